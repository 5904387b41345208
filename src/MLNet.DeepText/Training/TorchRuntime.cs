using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.DeepText.Training;

/// <summary>Process-wide settings for TorchSharp, applied once: CPU threads and the native allocator.</summary>
internal static partial class TorchRuntime
{
    private static int s_initialized;

    /// <summary>
    /// Uses every core for intra-op parallelism (or <c>OMP_NUM_THREADS</c> threads when that environment variable is set:
    /// processes sharing a machine should split its cores, because oversubscribed OpenMP threads spin and slow every
    /// process down several times), and (on Linux with glibc) keeps freed tensor memory in the heap
    /// instead of returning every large block to the OS: by default glibc maps each block over 128 KiB with mmap and
    /// unmaps it on free, so every new activation tensor pays page faults. Measured on a 2-core VM, an element-wise
    /// op on a 4 MiB tensor took 7.9 ms with the default and 0.1 ms with this setting. This changes the allocator of
    /// the whole process (it may keep up to 256 MiB of freed memory); set the environment variable
    /// <c>MLNET_DEEPTEXT_MALLOC_TUNING=0</c> to leave it alone.
    /// </summary>
    /// <returns>On the call that changed the allocator, a sentence saying so (trainers write it to <c>MLContext.Log</c>); else null.</returns>
    public static string? EnsureInitialized()
    {
        if (Interlocked.Exchange(ref s_initialized, 1) != 0) return null;
        torch.set_num_threads(int.TryParse(Environment.GetEnvironmentVariable("OMP_NUM_THREADS"), out int threads) && threads > 0
            ? threads : Math.Max(1, Environment.ProcessorCount));
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("MLNET_DEEPTEXT_MALLOC_TUNING") == "0") return null;
        try
        {
            const int M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3;
            mallopt(M_MMAP_THRESHOLD, 64 << 20);     // blocks up to 64 MiB come from the heap
            mallopt(M_TRIM_THRESHOLD, 256 << 20);    // and up to 256 MiB of free heap is kept for reuse
            return "MLNet.DeepText tuned this process's glibc allocator for tensor work (mallopt: mmap threshold 64 MiB, " +
                "trim threshold 256 MiB); set the environment variable MLNET_DEEPTEXT_MALLOC_TUNING=0 to leave it alone.";
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;   // Not glibc (e.g. musl): nothing to tune.
        }
    }

    [LibraryImport("libc.so.6", EntryPoint = "mallopt")]
    private static partial int mallopt(int param, int value);
}
