using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.DeepText.Training;

/// <summary>
/// Random numbers for one training run at a time per thread, so that fits running in parallel in one process stay
/// reproducible: module initialisation draws from torch's global generator under one lock (<see cref="Build{T}"/>),
/// and everything drawn during training (dropout masks, drop path, chunk sampling, token masking) comes from the
/// run's own generator (<see cref="Use"/>), which the training loop installs on its thread.
/// </summary>
internal static class TorchRandom
{
    private static readonly object s_initLock = new();
    [ThreadStatic] private static Generator? t_current;

    /// <summary>Runs <paramref name="build"/> (module construction) with the global generator seeded with <paramref name="seed"/>, one thread at a time.</summary>
    public static T Build<T>(int seed, Func<T> build)
    {
        lock (s_initLock)
        {
            torch.manual_seed(seed);
            return build();
        }
    }

    /// <summary>Makes a generator seeded with <paramref name="seed"/> on <paramref name="device"/> the current thread's until disposed.</summary>
    public static IDisposable Use(int seed, Device device) => new Scope(new Generator((ulong)seed, device));

    /// <summary>Uniform [0, 1) samples of <paramref name="shape"/> from the current run's generator (torch's global one outside a run).</summary>
    public static Tensor Uniform(long[] shape, ScalarType dtype, Device device) =>
        rand(shape, dtype: dtype, device: device, generator: t_current);

    private sealed class Scope : IDisposable
    {
        private readonly Generator? _previous = t_current;
        private readonly Generator _generator;

        public Scope(Generator generator)
        {
            _generator = generator;
            t_current = generator;
        }

        public void Dispose()
        {
            t_current = _previous;
            _generator.Dispose();
        }
    }
}
