// ConfigManifest: the manifest of the engine a model would compile to, for
// estimating a model that was not compiled yet.
//
// It runs `llm-compile MODEL --emit=manifest` (the whole pipeline and code
// generation, no NVRTC, no weights) into a temporary directory and reads the
// manifest back, so a config's estimate uses the compiler's own launch costs,
// exactly those of the engine the same options build. A subprocess rather
// than a library call keeps llm-estimate free of MLIR; llm-compile is looked
// for beside the running executable.
#pragma once

#include "runtime/Status.h"
#include "runtime/engine/Manifest.h"

#include <string>
#include <vector>

namespace llmc {

/// The llm-compile beside this executable; fails, saying what it needs it
/// for, when there is none.
StatusOr<std::string> findCompiler();

/// Compiles `model` with `compiler` and `compileFlags` (llm-compile's own,
/// e.g. {"--max-slots", "4"}) into a temporary directory, removed again
/// before returning, and reads its manifest. A failed compile returns
/// llm-compile's message.
StatusOr<Manifest>
compileManifest(const std::string &compiler, const std::string &model,
                const std::vector<std::string> &compileFlags);

} // namespace llmc
