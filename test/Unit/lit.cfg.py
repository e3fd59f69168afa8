# lit configuration that runs every GoogleTest executable built into test/Unit.
import os
import lit.formats

config.name = "llmc-unit"
config.test_format = lit.formats.GoogleTest(".", "Tests")
config.test_source_root = os.path.join(config.llmc_obj_root, "test", "Unit")
config.test_exec_root = config.test_source_root
# Unit tests that read real files (stories15M, tokenizer.json) find them here and
# skip themselves (GTEST_SKIP) when they are absent.
config.environment["LLMC_MODEL_CACHE"] = config.llmc_model_cache
