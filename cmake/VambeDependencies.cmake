# The kit's dependencies, all from Debian's packages, found with pkg-config
# (Debian 12's cmocka 1.1.5 ships no CMake target).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
pkg_check_modules(MHD REQUIRED IMPORTED_TARGET libmicrohttpd>=0.9.71)
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl>=7.68)
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson>=2.13)
pkg_check_modules(CRYPTO REQUIRED IMPORTED_TARGET libcrypto>=3.0)
pkg_check_modules(SQLITE REQUIRED IMPORTED_TARGET sqlite3>=3.31)
if(BUILD_TESTING)
    pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka>=1.1)
endif()
