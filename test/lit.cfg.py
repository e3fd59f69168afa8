# lit configuration for the FileCheck-style tests (compiler, tools, numerics).
import os
import lit.formats
import lit.util

config.name = "llmc"
# RUN lines run under bash (command substitution, brace expansion).
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".mlir", ".test", ".py"]
config.excludes = ["Unit", "Fuzz", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.llmc_obj_root, "test")

# Our tools first, then LLVM's FileCheck / not.
config.environment["PATH"] = os.pathsep.join(
    [config.llmc_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")]
)
# A capture lives until the next CHECK-LABEL unless it is written $GLOBAL, so a
# case cannot pass on a value captured in the case before it.
config.environment["FILECHECK_OPTS"] = "--enable-var-scope"
# One NVRTC compile cache for every test that compiles an engine (lit runs
# without HOME); tests about the cache itself set their own.
config.environment["LLMC_CACHE_DIR"] = os.path.join(
    config.llmc_obj_root, "test", "nvrtc-cache")
# Debian's numpy installs for /usr/bin/python3, which may not be first on PATH.
config.substitutions.append(("%python", "/usr/bin/python3"))
config.substitutions.append(("%llmc-src", config.llmc_src_root))
config.substitutions.append(("%llmc-obj", config.llmc_obj_root))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Inputs")))

# The format check runs where clang-format is (scripts/install-deps.sh
# installs Debian's, whose version the tree is formatted with).
import shutil
if shutil.which("clang-format") and shutil.which("git"):
    config.available_features.add("clang-format")

stories = os.path.join(config.llmc_model_cache, "stories15M")
config.substitutions.append(("%stories15m", stories))
if os.path.exists(os.path.join(stories, "stories15M.bin")) and os.path.exists(
    os.path.join(stories, "tokenizer.bin")
):
    config.available_features.add("stories15m")

llama3 = os.path.join(config.llmc_model_cache, "tokenizer-llama3", "tokenizer.json")
config.substitutions.append(("%llama3-tokenizer", llama3))
if os.path.exists(llama3):
    config.available_features.add("llama3-tokenizer")

# "cuda-device": a CUDA driver that sees at least one device. GPU tests
# require it; everywhere else they are reported as unsupported.
def _has_cuda_device():
    import ctypes
    try:
        cuda = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return False
    count = ctypes.c_int(0)
    if cuda.cuInit(0) != 0 or cuda.cuDeviceGetCount(ctypes.byref(count)) != 0:
        return False
    return count.value > 0

if _has_cuda_device():
    config.available_features.add("cuda-device")

# llm-compile is built where the CUDA toolkit is; compiling an engine also
# needs NVRTC's library at run time (the --emit modes do not).
if os.path.exists(os.path.join(config.llmc_tools_dir, "llm-compile")):
    config.available_features.add("llm-compile")
    import ctypes

    for nvrtc in ["libnvrtc.so.13", "/usr/local/cuda/lib64/libnvrtc.so.13"]:
        try:
            ctypes.CDLL(nvrtc)
            config.available_features.add("nvrtc")
            break
        except OSError:
            pass
