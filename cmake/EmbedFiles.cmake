# camoufleet_embed_files(<out_var> GLOB <pattern> HEADER <h> NAMESPACE <ns> TABLE <name> [COMMENT <text>])
# Builds every file matching GLOB into a generated .cpp (cmake/embed_files.cmake)
# that defines `const core::embedded_table <name>` in <ns>, declared in <h>;
# sets <out_var> to that .cpp for add_library/add_executable.
function(camoufleet_embed_files out_var)
  cmake_parse_arguments(E "" "GLOB;HEADER;NAMESPACE;TABLE;COMMENT" "" ${ARGN})
  file(GLOB files CONFIGURE_DEPENDS ${E_GLOB})
  list(SORT files)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${E_TABLE}_embedded.cpp)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} "-DFILES=${files}" -DOUTPUT=${out} -DHEADER=${E_HEADER}
            -DNAMESPACE=${E_NAMESPACE} -DTABLE=${E_TABLE}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/cmake/embed_files.cmake
    COMMENT "${E_COMMENT}"
    VERBATIM)
  set(${out_var} ${out} PARENT_SCOPE)
endfunction()
