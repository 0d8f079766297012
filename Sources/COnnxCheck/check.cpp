// The libonnx shim: see include/plexus_onnx_check.h.
#include "plexus_onnx_check.h"

#include <cstdio>
#include <exception>
#include <string>

#include <onnx/checker.h>
#include <onnx/defs/schema.h>
#include <onnx/onnx-ml.pb.h>
#include <onnx/shape_inference/implementation.h>

namespace {

void write(char *message, size_t capacity, const std::string &text) {
    if (message == nullptr || capacity == 0) return;
    std::snprintf(message, capacity, "%s", text.c_str());
}

long max_opset() {
    return onnx::OpSchemaRegistry::DomainToVersionRange::Instance().Map().at(onnx::ONNX_DOMAIN).second;
}

}  // namespace

extern "C" void plx_onnx_check_limits(long *ir_version, long *opset) {
    if (ir_version) *ir_version = onnx::Version::IR_VERSION;
    if (opset) *opset = max_opset();
}

extern "C" int plx_onnx_check(const void *bytes, size_t size, int infer_shapes, char *message, size_t capacity) {
    try {
        onnx::ModelProto model;
        if (bytes == nullptr || !model.ParseFromArray(bytes, static_cast<int>(size))) {
            write(message, capacity, "the bytes are not a valid ONNX ModelProto");
            return PLX_ONNX_CHECK_INVALID;
        }
        if (model.ir_version() > onnx::Version::IR_VERSION) {
            write(message, capacity, "IR version " + std::to_string(model.ir_version()) + " is newer than the checker's " +
                                         std::to_string(onnx::Version::IR_VERSION) + "; not checked");
            return PLX_ONNX_CHECK_OUT_OF_RANGE;
        }
        for (const auto &opset : model.opset_import()) {
            if ((opset.domain().empty() || opset.domain() == "ai.onnx") && opset.version() > max_opset()) {
                write(message, capacity, "opset " + std::to_string(opset.version()) + " is newer than the checker's " +
                                             std::to_string(max_opset()) + "; not checked");
                return PLX_ONNX_CHECK_OUT_OF_RANGE;
            }
        }
        onnx::checker::check_model(model);
        if (infer_shapes) {
            onnx::ShapeInferenceOptions options{true, 1, false};  // check types, strict errors, no data propagation
            onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), options);
        }
        return PLX_ONNX_CHECK_OK;
    } catch (const std::exception &error) {
        write(message, capacity, error.what());
        return PLX_ONNX_CHECK_INVALID;
    } catch (...) {
        write(message, capacity, "the checker failed with an unknown error");
        return PLX_ONNX_CHECK_INVALID;
    }
}
