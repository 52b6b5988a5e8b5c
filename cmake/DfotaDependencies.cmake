# Finds dfota's dependencies: package config first, pkg-config as fallback.
# Each yields one imported target that the component CMakeLists link to:
#   dfota::zstd  dfota::openssl  dfota::libarchive  dfota::cmocka  dfota::divsufsort
# scripts/install-deps.sh installs all of them from Debian packages.

find_package(PkgConfig QUIET)

# dfota_find_dependency(<alias> <config-package> <config-target> <pkg-config-module>)
function(dfota_find_dependency alias config_pkg config_target pc_module)
  if(TARGET ${alias})
    return()
  endif()
  if(config_pkg)
    find_package(${config_pkg} CONFIG QUIET)
  endif()
  if(config_target AND TARGET ${config_target})
    add_library(${alias} INTERFACE IMPORTED GLOBAL)
    target_link_libraries(${alias} INTERFACE ${config_target})
    message(STATUS "dfota: ${pc_module} from CMake package ${config_pkg}")
    return()
  endif()
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(DFOTA_PC_${pc_module} QUIET IMPORTED_TARGET GLOBAL ${pc_module})
    if(TARGET PkgConfig::DFOTA_PC_${pc_module})
      add_library(${alias} INTERFACE IMPORTED GLOBAL)
      target_link_libraries(${alias} INTERFACE PkgConfig::DFOTA_PC_${pc_module})
      message(STATUS "dfota: ${pc_module} from pkg-config")
      return()
    endif()
  endif()
  message(FATAL_ERROR "dfota: ${pc_module} not found; run scripts/install-deps.sh "
                      "(or: apt-get install ${ARGN})")
endfunction()

# What the libraries and the binary link against; also used by the installed
# dfotaConfig.cmake, so that consumers of dfota::dfota_packer get the same targets.
macro(dfota_find_runtime_dependencies)
  find_package(Threads REQUIRED)
  dfota_find_dependency(dfota::zstd zstd zstd::libzstd_shared libzstd libzstd-dev)
  dfota_find_dependency(dfota::divsufsort "" "" libdivsufsort libdivsufsort-dev)
  if(NOT TARGET dfota::openssl)
    find_package(OpenSSL 3.0 QUIET)
    if(OpenSSL_FOUND)
      add_library(dfota::openssl INTERFACE IMPORTED GLOBAL)
      target_link_libraries(dfota::openssl INTERFACE OpenSSL::Crypto)
    else()
      dfota_find_dependency(dfota::openssl "" "" libcrypto libssl-dev)
    endif()
  endif()
  if(NOT TARGET dfota::libarchive)
    find_package(LibArchive 3 QUIET)
    if(LibArchive_FOUND)
      add_library(dfota::libarchive INTERFACE IMPORTED GLOBAL)
      target_link_libraries(dfota::libarchive INTERFACE LibArchive::LibArchive)
    else()
      dfota_find_dependency(dfota::libarchive "" "" libarchive libarchive-dev)
    endif()
  endif()
endmacro()

# Only the test suite needs cmocka.
macro(dfota_find_test_dependencies)
  dfota_find_dependency(dfota::cmocka cmocka cmocka::cmocka cmocka libcmocka-dev)
endmacro()
