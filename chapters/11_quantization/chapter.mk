# chapters/11_quantization/chapter.mk — chapter 11 writes ONNX files (section 11.14) with protobuf-c.
# The message code for onnx.proto (copied from Debian's python3-onnx) is generated at build time by
# protoc-c into $(B)/onnx/, not committed: it is 145 KB derived from the schema, and tied to the
# protobuf-c version that generated it. The writer, onnx/onnxw.c, is compiled with it into
# $(B)/onnx/libonnxw.a, which only this chapter links (libnn itself needs no protobuf-c).
ONNX_DIR       := chapters/11_quantization/onnx
ONNX_GEN       := $(B)/onnx/onnx.pb-c.c $(B)/onnx/onnx.pb-c.h
LIBS_11_quantization   = $(B)/onnx/libonnxw.a -lprotobuf-c
DEPS_11_quantization   = $(B)/onnx/libonnxw.a $(ONNX_DIR)/onnxw.h
CFLAGS_11_quantization = -I$(CURDIR)/$(ONNX_DIR) -DONNX_CHECK_SCRIPT='"$(CURDIR)/$(ONNX_DIR)/check_onnx.py"'

$(B)/onnx/onnx.pb-c.c: $(ONNX_DIR)/onnx.proto | $(B)/.deps-build
	@mkdir -p $(B)/onnx
	protoc-c --proto_path=$(ONNX_DIR) --c_out=$(B)/onnx $(ONNX_DIR)/onnx.proto
$(B)/onnx/onnx.pb-c.h: $(B)/onnx/onnx.pb-c.c

$(B)/onnx/libonnxw.a: $(ONNX_GEN) $(ONNX_DIR)/onnxw.c $(ONNX_DIR)/onnxw.h common/error.h common/io.h
	$(CC) $(CFLAGS) -I$(B)/onnx -c $(B)/onnx/onnx.pb-c.c -o $(B)/onnx/onnx.pb-c.o
	$(CC) $(CFLAGS) -I$(B)/onnx -I$(ONNX_DIR) -c $(ONNX_DIR)/onnxw.c -o $(B)/onnx/onnxw.o
	@rm -f $@
	ar rcs $@ $(B)/onnx/onnx.pb-c.o $(B)/onnx/onnxw.o
