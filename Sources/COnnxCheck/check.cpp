// The libonnx shim: see include/plexus_onnx_check.h.
#include "plexus_onnx_check.h"

#include <chrono>
#include <climits>
#include <csignal>
#include <cstring>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

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

// libonnx 1.12's shape inference divides by some attribute values without checking them: a
// stride of 0 (Conv, ConvInteger, QLinearConv, the pools) or a DepthToSpace blocksize whose
// square wraps to 0 (2^32) kills the process with SIGFPE. Those sizes must be positive and are
// never near 2^31 in a real model, so they are refused here before libonnx sees them.
const char *const kPositiveSizes[] = {"strides", "dilations", "kernel_shape", "group", "blocksize"};
const int64_t kLargestSize = 2147483647;

bool is_positive_size(const std::string &name) {
    for (const char *size : kPositiveSizes) {
        if (name == size) return true;
    }
    return false;
}

// The first attribute of an ai.onnx node (in `nodes` or any subgraph) that breaks the rule
// above, described; empty when there is none.
std::string unsafe_size(const google::protobuf::RepeatedPtrField<onnx::NodeProto> &nodes) {
    for (const auto &node : nodes) {
        bool standard = node.domain().empty() || node.domain() == "ai.onnx";
        for (const auto &attribute : node.attribute()) {
            if (standard && is_positive_size(attribute.name())) {
                std::vector<int64_t> values(attribute.ints().begin(), attribute.ints().end());
                if (attribute.has_i()) values.push_back(attribute.i());
                for (int64_t value : values) {
                    if (value < 1 || value > kLargestSize) {
                        std::string label = node.name().empty() ? "a " + node.op_type() + " node" : "node '" + node.name() + "' (" + node.op_type() + ")";
                        return label + ": attribute '" + attribute.name() + "' has value " +
                               std::to_string(value) + "; it must be 1 to " + std::to_string(kLargestSize);
                    }
                }
            }
            if (attribute.has_g()) {
                std::string found = unsafe_size(attribute.g().node());
                if (!found.empty()) return found;
            }
            for (const auto &graph : attribute.graphs()) {
                std::string found = unsafe_size(graph.node());
                if (!found.empty()) return found;
            }
        }
    }
    return "";
}

// The check itself, in this process.
int check_here(const void *bytes, size_t size, int infer_shapes, char *message, size_t capacity);

// Writes all of `text` to `descriptor` (best effort: the reader reports a short result).
void write_all(int descriptor, const char *text, size_t length) {
    while (length > 0) {
        ssize_t written = ::write(descriptor, text, length);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) return;
        text += written;
        length -= static_cast<size_t>(written);
    }
}

// libonnx's shape inference trusts declared shapes and attributes in ways the checks above
// cannot all foresee (STFT on a rank-1 signal reads a dimension that is not there and
// segfaults), so the check runs in a child process: a crash or a hang there becomes an
// "invalid" result with the signal named, never the end of the caller.
const int kTimeoutSeconds = 120;

int check_isolated(const void *bytes, size_t size, int infer_shapes, char *message, size_t capacity) {
    int pipe_ends[2];
    if (pipe(pipe_ends) != 0) return check_here(bytes, size, infer_shapes, message, capacity);
    pid_t child = fork();
    if (child < 0) {
        close(pipe_ends[0]);
        close(pipe_ends[1]);
        return check_here(bytes, size, infer_shapes, message, capacity);
    }
    if (child == 0) {
        close(pipe_ends[0]);
        // Die quietly: no Swift crash report (its handlers are inherited) and no core file.
        for (int signal_number : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP}) signal(signal_number, SIG_DFL);
        rlimit no_core{0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        char text[4096] = {0};
        char result = static_cast<char>(check_here(bytes, size, infer_shapes, text, sizeof text));
        write_all(pipe_ends[1], &result, 1);
        write_all(pipe_ends[1], text, strnlen(text, sizeof text));
        _exit(0);
    }
    close(pipe_ends[1]);
    std::string received;
    bool timed_out = false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kTimeoutSeconds);
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) {
            timed_out = true;
            break;
        }
        pollfd wait_for{pipe_ends[0], POLLIN, 0};
        int ready = poll(&wait_for, 1, static_cast<int>(left));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) continue;
        char chunk[4096];
        ssize_t count = read(pipe_ends[0], chunk, sizeof chunk);
        if (count < 0 && errno == EINTR) continue;
        if (count <= 0) break;
        received.append(chunk, static_cast<size_t>(count));
    }
    close(pipe_ends[0]);
    if (timed_out) kill(child, SIGKILL);
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
    if (timed_out) {
        write(message, capacity, "libonnx did not finish checking the model within " + std::to_string(kTimeoutSeconds) + " s");
        return PLX_ONNX_CHECK_INVALID;
    }
    if (WIFSIGNALED(status)) {
        write(message, capacity, "libonnx crashed (signal " + std::to_string(WTERMSIG(status)) + ", " + strsignal(WTERMSIG(status)) +
                                     ") while checking the model: it is malformed in a way libonnx's checker does not guard against");
        return PLX_ONNX_CHECK_INVALID;
    }
    if (received.empty()) {
        write(message, capacity, "the libonnx checker process ended without a result");
        return PLX_ONNX_CHECK_INVALID;
    }
    write(message, capacity, received.substr(1));
    return received[0];
}

}  // namespace

extern "C" void plx_onnx_check_limits(long *ir_version, long *opset) {
    if (ir_version) *ir_version = onnx::Version::IR_VERSION;
    if (opset) *opset = max_opset();
}

extern "C" int plx_onnx_check(const void *bytes, size_t size, int infer_shapes, char *message, size_t capacity) {
    if (message != nullptr && capacity > 0) message[0] = 0;
    return check_isolated(bytes, size, infer_shapes, message, capacity);
}

namespace {

int check_here(const void *bytes, size_t size, int infer_shapes, char *message, size_t capacity) {
    try {
        onnx::ModelProto model;
        if (size > static_cast<size_t>(INT_MAX)) {  // protobuf's limit; the cast below would wrap
            write(message, capacity, "the model is larger than protobuf's 2 GiB limit");
            return PLX_ONNX_CHECK_INVALID;
        }
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
        std::string unsafe = unsafe_size(model.graph().node());
        for (int index = 0; unsafe.empty() && index < model.functions_size(); ++index) unsafe = unsafe_size(model.functions(index).node());
        if (!unsafe.empty()) {
            write(message, capacity, unsafe);
            return PLX_ONNX_CHECK_INVALID;
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

}  // namespace
