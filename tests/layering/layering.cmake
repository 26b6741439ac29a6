# The layering the compiler enforces (STYLE.md section 1): each layer sees
# only its own headers and those of the layers it links.  For every pair
# below, a one-line probe that includes the header, compiled with the
# layer's own usage requirements (an OBJECT library linking pc_<layer>),
# must fail for want of the header; and a probe of each layer's own header
# must compile, so that a failure is the layering's and nothing else's.
# One CTest, `layering`, builds them all one after the other (check.cmake).
set(_pc_forbidden
	"core:profile"		# the core is the bottom: it sees nothing above
	"model:store"		# a profile knows nothing of where it is kept
	"proto:xport"		# the POP3 machine does no I/O
	"proto:profile"		# ... and reads no profile
	"net:profile"		# transports take their own options, not a profile
	"trace:logon"
	"store:logon"		# the store and the logon driver stay apart
	"logon:store"
	"oauth:logon"
	"run:cli"		# what runs around a logon serves both fronts
	"run:tui"
	"cli:tui"		# the two fronts stay apart
	"tui:cli")
set(_pc_probes)
foreach(pair ${_pc_forbidden} "core:buf" "model:profile" "store:store"
    "proto:pop3" "trace:trace" "net:xport" "logon:logon" "oauth:oauth" "run:run"
    "cli:cli" "tui:tui")
	string(REPLACE ":" ";" lh ${pair})
	list(GET lh 0 layer)
	list(GET lh 1 hdr)
	if(NOT TARGET pc_${layer})
		continue()
	endif()
	set(probe layering_${layer}_${hdr})
	set(src ${CMAKE_CURRENT_BINARY_DIR}/layering/${probe}.c)
	file(WRITE ${src} "#include \"popconn/${hdr}.h\"\nint ${probe};\n")
	add_library(${probe} OBJECT EXCLUDE_FROM_ALL ${src})
	target_link_libraries(${probe} PRIVATE pc_${layer})
	if(pair IN_LIST _pc_forbidden)
		list(APPEND _pc_probes "${probe}:${hdr}:fail")
	else()
		list(APPEND _pc_probes "${probe}:${hdr}:ok")
	endif()
endforeach()
string(REPLACE ";" "," _pc_probes "${_pc_probes}")
add_test(NAME layering COMMAND ${CMAKE_COMMAND}
	-DBUILD=${CMAKE_BINARY_DIR} -DPROBES=${_pc_probes}
	-P ${CMAKE_CURRENT_LIST_DIR}/check.cmake)
set_tests_properties(layering PROPERTIES LABELS unit TIMEOUT 300)
