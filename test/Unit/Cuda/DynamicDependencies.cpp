// A minimal ELF64 reader: section headers -> the dynamic section -> DT_NEEDED
// strings in the section it links to.
#include "DynamicDependencies.h"

#include <cstring>
#include <elf.h>
#include <fstream>
#include <iterator>

namespace llmc::test {

StatusOr<std::vector<std::string>> neededLibraries(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::string file((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  if (file.size() < sizeof(Elf64_Ehdr) ||
      std::memcmp(file.data(), ELFMAG, SELFMAG) != 0 ||
      file[EI_CLASS] != ELFCLASS64)
    return Status::error(path + ": not an ELF64 file");
  Elf64_Ehdr header;
  std::memcpy(&header, file.data(), sizeof(header));
  auto section = [&](unsigned index, Elf64_Shdr &out) {
    std::size_t at = header.e_shoff + std::size_t(index) * header.e_shentsize;
    if (index >= header.e_shnum || at + sizeof(out) > file.size())
      return false;
    std::memcpy(&out, file.data() + at, sizeof(out));
    return out.sh_offset + out.sh_size <= file.size();
  };
  std::vector<std::string> needed;
  for (unsigned i = 0; i < header.e_shnum; ++i) {
    Elf64_Shdr dynamic, strings;
    if (!section(i, dynamic) || dynamic.sh_type != SHT_DYNAMIC)
      continue;
    if (!section(dynamic.sh_link, strings))
      return Status::error(path + ": dynamic section without string table");
    for (std::size_t at = dynamic.sh_offset;
         at + sizeof(Elf64_Dyn) <= dynamic.sh_offset + dynamic.sh_size;
         at += sizeof(Elf64_Dyn)) {
      Elf64_Dyn entry;
      std::memcpy(&entry, file.data() + at, sizeof(entry));
      if (entry.d_tag == DT_NULL)
        break;
      if (entry.d_tag == DT_NEEDED && entry.d_un.d_val < strings.sh_size)
        needed.emplace_back(file.c_str() + strings.sh_offset +
                            entry.d_un.d_val);
    }
  }
  return needed;
}

} // namespace llmc::test
