namespace MLNet.DeepText.Text;

/// <summary>
/// A compact vocabulary over a tokenizer's ids: the ids seen often enough in training text get small dense ids
/// (after the reserved <see cref="Pad"/>, <see cref="Unknown"/> and <see cref="Classification"/> ids), all others
/// map to <see cref="Unknown"/>. This keeps embedding tables proportional to the training data, not to the
/// tokenizer (cl100k_base has 100k ids).
/// </summary>
internal sealed class Vocabulary
{
    /// <summary>Padding id; never produced for a real token.</summary>
    public const int Pad = ReservedTokenIds.Pad;
    /// <summary>Id of every token that is not in the vocabulary.</summary>
    public const int Unknown = ReservedTokenIds.Unknown;
    /// <summary>Reserved for models that append a classification token.</summary>
    public const int Classification = ReservedTokenIds.Classification;
    /// <summary>Number of reserved ids.</summary>
    public const int ReservedCount = ReservedTokenIds.Count;

    private readonly Dictionary<int, int> _compactIdOf;

    /// <summary>The tokenizer ids kept, in compact-id order (compact id = index + <see cref="ReservedCount"/>).</summary>
    public IReadOnlyList<int> TokenizerIds { get; }

    /// <summary>Size of the embedding table this vocabulary needs, reserved ids included.</summary>
    public int Size => TokenizerIds.Count + ReservedCount;

    /// <summary>Creates a vocabulary from the kept tokenizer ids, in compact-id order.</summary>
    public Vocabulary(IReadOnlyList<int> tokenizerIds)
    {
        TokenizerIds = tokenizerIds;
        _compactIdOf = new Dictionary<int, int>(tokenizerIds.Count);
        for (int i = 0; i < tokenizerIds.Count; i++)
            _compactIdOf.Add(tokenizerIds[i], i + ReservedCount);
    }

    /// <summary>
    /// Learns a vocabulary: the ids seen at least <paramref name="minCount"/> times, most frequent first
    /// (ties by id, so the result is deterministic), then the <paramref name="extraIds"/> not already kept (e.g. the
    /// words of a pretrained embedding file, so that words unseen in training still get their vector), at most
    /// <paramref name="maxSize"/> entries including the reserved ids.
    /// </summary>
    public static Vocabulary Learn(IEnumerable<IReadOnlyList<int>> sequences, int minCount, int maxSize, IEnumerable<int>? extraIds = null)
    {
        var counts = new Dictionary<int, int>();
        foreach (var seq in sequences)
            foreach (var id in seq)
                counts[id] = counts.GetValueOrDefault(id) + 1;
        var kept = counts.Where(kv => kv.Value >= minCount)
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key)
            .Select(kv => kv.Key)
            .Concat(extraIds ?? [])
            .Distinct()
            .Take(Math.Max(0, maxSize - ReservedCount))
            .ToArray();
        return new Vocabulary(kept);
    }

    /// <summary>The compact id of a tokenizer id.</summary>
    public int this[int tokenizerId] => _compactIdOf.TryGetValue(tokenizerId, out var id) ? id : Unknown;
}
