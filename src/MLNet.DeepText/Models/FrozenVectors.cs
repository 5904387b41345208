using static TorchSharp.torch;

namespace MLNet.DeepText.Models;

/// <summary>
/// The vectors a frozen part of a model (a pretrained encoder used for features only) computes for rows of token ids,
/// remembered while the model trains, so that each distinct row is computed once per training run instead of once
/// per epoch. A frozen part runs in evaluation mode, so it is a pure function of a row's real ids, and the
/// remembered vector is exactly what it would compute again. Memory: one float per vector element, up to
/// <see cref="MaxRememberedValues"/> in all (then new rows are computed each time).
/// Active only inside <see cref="Remember"/>, which the training loop opens; prediction computes every time and keeps
/// nothing.
/// </summary>
internal static class FrozenVectors
{
    /// <summary>At most 256M floats (1 GiB) are remembered per training run.</summary>
    public const long MaxRememberedValues = 256L << 20;

    private static readonly AsyncLocal<Store?> s_current = new();

    /// <summary>Remembers frozen vectors until the result is disposed.</summary>
    public static IDisposable Remember()
    {
        var previous = s_current.Value;
        s_current.Value = new Store();
        return new Scope(() => s_current.Value = previous);
    }

    /// <summary>
    /// <paramref name="compute"/>([n, T] ids, [n, T] mask) → [n, D] for the rows not computed before by
    /// <paramref name="owner"/> in this training run; the others come from memory. Never tracks gradients.
    /// </summary>
    public static Tensor Compute(object owner, Tensor ids, Tensor mask, Func<Tensor, Tensor, Tensor> compute)
    {
        using var _ = no_grad();
        if (s_current.Value is not { } store || ids.shape[0] == 0) return compute(ids, mask);

        // A row's key: its real ids (padding zeroed, trailing zeros trimmed), so padding added by a batch does not matter.
        long n = ids.shape[0], length = ids.shape[1];
        var flat = ids.mul(mask).cpu().data<long>().ToArray();
        var keys = new long[n][];
        for (long r = 0; r < n; r++)
        {
            var row = flat.AsSpan((int)(r * length), (int)length);
            int end = row.Length;
            while (end > 0 && row[end - 1] == 0) end--;
            keys[r] = row[..end].ToArray();
        }

        var memory = store.For(owner);
        var missing = Enumerable.Range(0, (int)n).Where(r => !memory.ContainsKey(keys[r])).DistinctBy(r => keys[r], KeyComparer.Instance).ToArray();
        float[][] computed = [];
        if (missing.Length > 0)
        {
            using var rows = tensor(missing.Select(r => (long)r).ToArray(), device: ids.device);
            using var vectors = compute(ids.index_select(0, rows), mask.index_select(0, rows)).to(float32).cpu();
            int width = (int)vectors.shape[1];
            var values = vectors.data<float>().ToArray();
            computed = missing.Select((_, i) => values.AsSpan(i * width, width).ToArray()).ToArray();
            for (int i = 0; i < missing.Length && store.Size + width <= MaxRememberedValues; i++)
            {
                memory[keys[missing[i]]] = computed[i];
                store.Size += width;
            }
        }
        var byKey = new Dictionary<long[], float[]>(KeyComparer.Instance);
        for (int i = 0; i < missing.Length; i++) byKey[keys[missing[i]]] = computed[i];
        var result = keys.SelectMany(k => memory.TryGetValue(k, out var v) ? v : byKey[k]).ToArray();
        return tensor(result, [n, result.Length / n], device: ids.device);
    }

    private sealed class Store
    {
        private readonly Dictionary<object, Dictionary<long[], float[]>> _owners = new(ReferenceEqualityComparer.Instance);
        public long Size;

        public Dictionary<long[], float[]> For(object owner) =>
            _owners.TryGetValue(owner, out var memory) ? memory : _owners[owner] = new(KeyComparer.Instance);
    }

    private sealed class KeyComparer : IEqualityComparer<long[]>
    {
        public static readonly KeyComparer Instance = new();
        public bool Equals(long[]? x, long[]? y) => x.AsSpan().SequenceEqual(y);
        public int GetHashCode(long[] key)
        {
            var hash = new HashCode();
            hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(key.AsSpan()));
            return hash.ToHashCode();
        }
    }

    private sealed class Scope(Action end) : IDisposable
    {
        public void Dispose() => end();
    }
}
