# lit configuration of the fuzzers' smoke runs: each .test runs one fuzzer
# from its seed corpus for a bounded time; any crash, leak, sanitizer report
# or timeout fails it.
import os
import lit.formats

config.name = "llmc-fuzz"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".test"]
config.excludes = ["corpus"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = config.llmc_fuzz_dir
config.environment["PATH"] = os.pathsep.join(
    [config.llmc_fuzz_dir, config.environment.get("PATH", "")])
config.environment["ASAN_OPTIONS"] = "abort_on_error=1:detect_leaks=1"
config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
# One smoke run: -max_total_time seconds from the corpus, new inputs written
# to a scratch directory (never into the committed corpus). Inputs of at most
# 64 KiB, 10 s and 2 GiB each.
config.substitutions.append((
    "%smoke",
    "-max_total_time=30 -max_len=65536 -timeout=10 -rss_limit_mb=2048 "
    "-print_final_stats=1"))
config.substitutions.append(
    ("%corpus", os.path.join(config.test_source_root, "corpus")))
