# The runtime's side of the layering, checked on the link graph at configure
# time: no library defined under runtime/, and none of the tools that run or
# estimate engines, may reach MLIR, LLVM or a library defined under compiler/,
# dialects/ or passes/ through its link libraries. (compiler/ may depend on
# runtime/, never the reverse; test/Scripts/runtime-layering.test checks the
# same rule on the includes.) A violation stops the configure and prints the
# chain of links that leads to it.

# Every target defined in `dir` and the directories below it, into `out`.
function(llmc_targets_under dir out)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    llmc_targets_under(${sub} below)
    list(APPEND targets ${below})
  endforeach()
  set(${out} ${targets} PARENT_SCOPE)
endfunction()

# Fails when `root`'s link libraries, followed transitively, reach MLIR/LLVM
# or a target whose source directory is under compiler/, dialects/ or passes/.
function(llmc_check_runtime_links root)
  set(pending ${root})
  set(seen "")
  # via_<name>: the chain of links from `root` to the target <name> (names
  # made identifiers: imported targets carry "::").
  string(MAKE_C_IDENTIFIER "${root}" key)
  set(via_${key} ${root})
  while(pending)
    list(POP_FRONT pending target)
    if(target IN_LIST seen)
      continue()
    endif()
    list(APPEND seen ${target})
    string(MAKE_C_IDENTIFIER "${target}" key)
    set(chain "${via_${key}}")
    # MLIR and LLVM: the shared libraries llmc_use_mlir links, or any of
    # their component libraries.
    if(target MATCHES "^(MLIR|LLVM)")
      message(FATAL_ERROR "${root} must not link LLVM/MLIR: ${chain}")
    endif()
    if(NOT TARGET ${target})
      continue() # a system library named by file or flag (dl, -pthread)
    endif()
    get_target_property(imported ${target} IMPORTED)
    if(imported)
      continue() # a dependency found by find_package, checked by name above
    endif()
    get_target_property(dir ${target} SOURCE_DIR)
    file(RELATIVE_PATH dir "${CMAKE_SOURCE_DIR}" "${dir}")
    if(dir MATCHES "^(compiler|dialects|passes)(/|$)")
      message(FATAL_ERROR
        "${root} must not link a library of ${dir}/: ${chain}")
    endif()
    foreach(property LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
      get_target_property(libraries ${target} ${property})
      if(NOT libraries)
        continue()
      endif()
      foreach(library IN LISTS libraries)
        # A static library's private dependencies appear as $<LINK_ONLY:x>;
        # "::@(...)" entries mark the directory a link was added from.
        if(library MATCHES "^\\$<LINK_ONLY:(.+)>$")
          set(library "${CMAKE_MATCH_1}")
        elseif(library MATCHES "^::@")
          continue()
        endif()
        string(MAKE_C_IDENTIFIER "${library}" key)
        if(NOT DEFINED via_${key})
          set(via_${key} "${chain} -> ${library}")
        endif()
        list(APPEND pending ${library})
      endforeach()
    endforeach()
  endwhile()
endfunction()

llmc_targets_under(${CMAKE_SOURCE_DIR}/runtime llmc_runtime_targets)
foreach(target IN LISTS llmc_runtime_targets ITEMS llm-run llm-serve llm-estimate)
  if(TARGET ${target})
    llmc_check_runtime_links(${target})
  endif()
endforeach()
