# Signer tests (keys, passphrases, zips, signed zips): included from
# tests/CMakeLists.txt, after dfota_add_unit_test() is defined.
foreach(test test_signer_passphrase test_signer_keys test_zip test_signed_zip)
  dfota_add_unit_test(${test})
  target_link_libraries(${test} PRIVATE dfota_signer)
endforeach()
# test_zip builds a real zip bomb with libarchive, bypassing dfota's own writer.
target_link_libraries(test_zip PRIVATE dfota::libarchive)

# The CLI: keygen, zip, sign, and the stock unzip + openssl check of the result.
add_test(NAME cli_signer COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/cli/test_signer_cli.sh
                                 $<TARGET_FILE:dfota> ${PROJECT_SOURCE_DIR})

# Crafted zips against dfota and the stock readers (Info-ZIP unzip, Python's
# zipfile, bsdtar): dfota refuses a zip, or all of them extract what it verified.
find_program(DFOTA_PYTHON3 python3 REQUIRED)
add_test(NAME zip_readers COMMAND ${DFOTA_PYTHON3}
                                  ${CMAKE_CURRENT_LIST_DIR}/zip_readers/test_zip_readers.py
                                  $<TARGET_FILE:dfota> ${PROJECT_SOURCE_DIR})

# Fuzz targets for the zip reader and the signed-zip check (dfota_add_fuzz_target(),
# tests/CMakeLists.txt): any bytes as a zip, and edits of valid signed zips.
dfota_add_fuzz_target(zip MUTANTS 20000 LIBS dfota_signer dfota_core)
dfota_add_fuzz_target(signed_zip MUTANTS 3000 LIBS dfota_signer dfota_core)
