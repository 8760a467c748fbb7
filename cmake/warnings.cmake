# Warning flags for consentd's own code, on one INTERFACE target that every
# project target links. Generated protobuf code does not link it.
add_library(consentd_warnings INTERFACE)
target_compile_options(consentd_warnings INTERFACE
  -Wall -Wextra -Wshadow -Wnon-virtual-dtor -Wimplicit-fallthrough
  $<$<BOOL:${CONSENTD_WERROR}>:-Werror>)
