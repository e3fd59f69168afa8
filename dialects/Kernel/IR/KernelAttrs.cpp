// Attributes of the kernel dialect: the verifiers of the argument bindings
// and the syntax of #kernel.cost.
#include "dialects/Kernel/IR/KernelDialect.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"

#include <array>
#include <cmath>

using namespace mlir;
using namespace mlir::kernel;

#define GET_ATTRDEF_CLASSES
#include "dialects/Kernel/IR/KernelAttrs.cpp.inc"

void KernelDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dialects/Kernel/IR/KernelAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Bindings
//===----------------------------------------------------------------------===//

/// Fails when `index` (of the binding `mnemonic`) is negative.
static LogicalResult verifyIndex(function_ref<InFlightDiagnostic()> emitError,
                                 StringRef mnemonic, int64_t index) {
  if (index < 0)
    return emitError() << "#kernel." << mnemonic
                       << " index must not be negative, got " << index;
  return success();
}

LogicalResult OperandAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                  int64_t index) {
  return verifyIndex(emitError, getMnemonic(), index);
}

LogicalResult ResultAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 int64_t index) {
  return verifyIndex(emitError, getMnemonic(), index);
}

LogicalResult KvKeysAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 int64_t index) {
  return verifyIndex(emitError, getMnemonic(), index);
}

LogicalResult KvValuesAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   int64_t index) {
  return verifyIndex(emitError, getMnemonic(), index);
}

LogicalResult ArenaAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                int64_t offset, int64_t bytes) {
  if (offset < 0 || offset % kArenaAlignment != 0)
    return emitError() << "#kernel.arena offset must be a non-negative "
                          "multiple of "
                       << kArenaAlignment << ", got " << offset;
  if (bytes <= 0)
    return emitError() << "#kernel.arena bytes must be positive, got " << bytes;
  return success();
}

/// Fails unless `name` is one of `allowed`, listing them.
static LogicalResult verifyName(function_ref<InFlightDiagnostic()> emitError,
                                StringRef mnemonic, StringRef name,
                                ArrayRef<StringLiteral> allowed) {
  if (llvm::is_contained(allowed, name))
    return success();
  InFlightDiagnostic diagnostic = emitError();
  diagnostic << "#kernel." << mnemonic << " name \"" << name
             << "\" is not one of ";
  llvm::interleave(
      allowed, [&](StringRef known) { diagnostic << '"' << known << '"'; },
      [&] { diagnostic << ", "; });
  return diagnostic;
}

LogicalResult InputAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                StringRef name) {
  return verifyName(emitError, getMnemonic(), name, getInputNames());
}

LogicalResult SlotAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               StringRef name) {
  return verifyName(emitError, getMnemonic(), name, getSlotNames());
}

LogicalResult ScalarAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 StringRef name) {
  return verifyName(emitError, getMnemonic(), name, getScalarNames());
}

LogicalResult ConstantAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   StringRef name) {
  if (!isIdentifier(name))
    return emitError() << "#kernel.constant name \"" << name
                       << "\" must be an identifier";
  return success();
}

//===----------------------------------------------------------------------===//
// CostAttr
//===----------------------------------------------------------------------===//

namespace {
/// The six terms of a cost in their syntax order.
constexpr std::array<StringLiteral, 6> kCostKeys = {
    "flops_fixed", "flops_per_row", "flops_per_row_context",
    "bytes_fixed", "bytes_per_row", "bytes_per_row_context"};
} // namespace

CostAttr CostAttr::get(MLIRContext *context, const CostTerms &flops,
                       const CostTerms &bytes) {
  auto value = [](double term) { return llvm::APFloat(term); };
  return Base::get(context, value(flops.fixed), value(flops.perRow),
                   value(flops.perRowContext), value(bytes.fixed),
                   value(bytes.perRow), value(bytes.perRowContext));
}

CostTerms CostAttr::getFlops() const {
  return {getFlopsFixed().convertToDouble(), getFlopsPerRow().convertToDouble(),
          getFlopsPerRowContext().convertToDouble()};
}

CostTerms CostAttr::getBytes() const {
  return {getBytesFixed().convertToDouble(), getBytesPerRow().convertToDouble(),
          getBytesPerRowContext().convertToDouble()};
}

/// The six terms of `flops` and `bytes` in syntax order.
static std::array<double, 6> flatten(const CostTerms &flops,
                                     const CostTerms &bytes) {
  return {flops.fixed, flops.perRow, flops.perRowContext,
          bytes.fixed, bytes.perRow, bytes.perRowContext};
}

LogicalResult
CostAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                 llvm::APFloat flopsFixed, llvm::APFloat flopsPerRow,
                 llvm::APFloat flopsPerRowContext, llvm::APFloat bytesFixed,
                 llvm::APFloat bytesPerRow, llvm::APFloat bytesPerRowContext) {
  const double terms[] = {flopsFixed.convertToDouble(),
                          flopsPerRow.convertToDouble(),
                          flopsPerRowContext.convertToDouble(),
                          bytesFixed.convertToDouble(),
                          bytesPerRow.convertToDouble(),
                          bytesPerRowContext.convertToDouble()};
  for (auto [key, value] : llvm::zip(kCostKeys, terms))
    // Negated so that NaN is rejected too.
    if (!(value >= 0.0) || std::isinf(value))
      return emitError() << "#kernel.cost " << key
                         << " must be a finite non-negative number, got "
                         << value;
  return success();
}

// #kernel.cost<key = value, ...>: any subset of the keys, each at most once;
// absent keys are 0.
Attribute CostAttr::parse(AsmParser &parser, Type) {
  std::array<double, 6> terms = {};
  std::array<bool, 6> seen = {};
  if (parser.parseLess())
    return {};
  if (failed(parser.parseOptionalGreater())) {
    do {
      SMLoc keyLoc = parser.getCurrentLocation();
      StringRef key;
      if (parser.parseKeyword(&key) || parser.parseEqual())
        return {};
      const auto *it = llvm::find(kCostKeys, key);
      if (it == kCostKeys.end()) {
        parser.emitError(keyLoc)
            << "unknown #kernel.cost term '" << key << "'; expected one of "
            << llvm::join(kCostKeys, ", ");
        return {};
      }
      size_t index = it - kCostKeys.begin();
      if (seen[index]) {
        parser.emitError(keyLoc)
            << "#kernel.cost term '" << key << "' given twice";
        return {};
      }
      seen[index] = true;
      int64_t integer = 0;
      OptionalParseResult isInteger = parser.parseOptionalInteger(integer);
      if (isInteger.has_value()) {
        if (failed(*isInteger))
          return {};
        terms[index] = static_cast<double>(integer);
      } else if (parser.parseFloat(terms[index])) {
        return {};
      }
    } while (succeeded(parser.parseOptionalComma()));
    if (parser.parseGreater())
      return {};
  }
  auto value = [](double term) { return llvm::APFloat(term); };
  return parser.getChecked<CostAttr>(
      parser.getContext(), value(terms[0]), value(terms[1]), value(terms[2]),
      value(terms[3]), value(terms[4]), value(terms[5]));
}

void CostAttr::print(AsmPrinter &printer) const {
  printer << '<';
  bool first = true;
  for (auto [key, value] :
       llvm::zip(kCostKeys, flatten(getFlops(), getBytes()))) {
    if (value == 0.0)
      continue;
    if (!first)
      printer << ", ";
    first = false;
    printer << key << " = ";
    // Integral counts (nearly all of them) print as integers.
    if (value == std::floor(value) && value < 9.0e15)
      printer << static_cast<int64_t>(value);
    else
      printer.printFloat(llvm::APFloat(value));
  }
  printer << '>';
}
