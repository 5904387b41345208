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
}
