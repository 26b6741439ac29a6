# pc_hostile: a scripted misbehaving POP3 / SOCKS5 / HTTP-proxy server for
# the integration tests (see hostile.c and README.md).  It links nothing but
# libc so that it keeps building while the layers it tests change.
add_executable(pc_hostile ${CMAKE_CURRENT_LIST_DIR}/hostile.c)
