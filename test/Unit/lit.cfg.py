# lit configuration that runs every GoogleTest executable built into test/Unit.
import os
import lit.formats

# A sanitizer build's suite is named apart, so both can run in one lit call.
config.name = "llmc-unit" + (
    "-" + config.llmc_sanitize.replace(",", "-") if config.llmc_sanitize else "")
config.test_format = lit.formats.GoogleTest(".", "Tests")
config.test_source_root = os.path.join(config.llmc_obj_root, "test", "Unit")
config.test_exec_root = config.test_source_root
# Unit tests that read real files (stories15M, tokenizer.json) find them here and
# skip themselves (GTEST_SKIP) when they are absent.
config.environment["LLMC_MODEL_CACHE"] = config.llmc_model_cache
# Sanitizer builds: any report fails the test (UBSan aborts too).
if config.llmc_sanitize:
    config.environment["ASAN_OPTIONS"] = "abort_on_error=1:detect_leaks=1"
    config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
