using System.Runtime.Intrinsics.X86;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.DeepText.Training;

/// <summary>Chooses the torch device.</summary>
internal static class DeviceSelector
{
    /// <summary>
    /// <paramref name="requested"/> ("cpu", "cuda", "cuda:N") wins when given. Otherwise CUDA is used when it is
    /// available (device <paramref name="gpuDeviceId"/>, default 0), else the CPU. When a GPU was asked for through
    /// <paramref name="gpuDeviceId"/> and none is available, falling back to the CPU needs <paramref name="fallbackToCpu"/>.
    /// </summary>
    public static Device Select(string? requested, int? gpuDeviceId, bool fallbackToCpu, Action<string>? log = null)
    {
        if (TorchRuntime.EnsureInitialized() is { } note) log?.Invoke(note);
        if (!string.IsNullOrWhiteSpace(requested))
        {
            if (requested.StartsWith("cuda", StringComparison.OrdinalIgnoreCase) && !cuda.is_available())
                throw new InvalidOperationException($"Device '{requested}' was requested but CUDA is not available (no GPU, or a CPU-only TorchSharp runtime package).");
            return torch.device(requested);
        }
        if (cuda.is_available()) return torch.device(DeviceType.CUDA, gpuDeviceId ?? 0);
        if (gpuDeviceId is not null)
        {
            if (!fallbackToCpu)
                throw new InvalidOperationException($"MLContext.GpuDeviceId is {gpuDeviceId} but CUDA is not available, and MLContext.FallbackToCpu is false.");
            log?.Invoke($"GPU {gpuDeviceId} requested but CUDA is not available; training on the CPU.");
        }
        return CPU;
    }

    /// <summary>
    /// Whether matrix products in bfloat16 are fast on <paramref name="device"/>: a CPU with AVX-512 BF16 or AMX-BF16
    /// instructions (CPUID leaf 7), which libtorch's bfloat16 GEMM uses; elsewhere it emulates them, slower than float32.
    /// </summary>
    public static bool HasFastBFloat16(Device device)
    {
        if (device.type != DeviceType.CPU || !X86Base.IsSupported || !Avx512F.IsSupported) return false;
        bool avx512Bf16 = (X86Base.CpuId(7, 1).Eax & (1 << 5)) != 0;
        bool amxBf16 = (X86Base.CpuId(7, 0).Edx & (1 << 22)) != 0;
        return avx512Bf16 || amxBf16;
    }
}
