# The code page conversions of the model (codepage.c).
if(TARGET pc_model)
	pc_unit_test(test_codepage
		SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_codepage.c LIBS pc_model)
endif()
