using static TorchSharp.torch;

namespace MLNet.DeepText.Training;

/// <summary>Token id sequences (each non-empty) with 0-based class labels.</summary>
internal sealed class TokenizedDataset
{
    public IReadOnlyList<long[]> Sequences { get; }
    public IReadOnlyList<int> Labels { get; }
    public int Count => Sequences.Count;

    public TokenizedDataset(IReadOnlyList<long[]> sequences, IReadOnlyList<int> labels)
    {
        if (sequences.Count != labels.Count) throw new ArgumentException("Sequences and labels differ in count.");
        Sequences = sequences;
        Labels = labels;
    }

    /// <summary>
    /// A seeded, class-stratified split of row indices: about <paramref name="validationFraction"/> of each class
    /// (at least one row of every class that has two or more) goes to validation. Both index lists are sorted.
    /// </summary>
    public static (int[] Train, int[] Validation) StratifiedSplit(IReadOnlyList<int> labels, double validationFraction, int seed)
    {
        var rng = new Random(seed);
        var train = new List<int>();
        var validation = new List<int>();
        foreach (var group in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            var idx = group.ToArray();
            rng.Shuffle(idx);
            int n = (int)Math.Round(idx.Length * validationFraction);
            if (idx.Length >= 2 && n == 0 && validationFraction > 0) n = 1;
            validation.AddRange(idx.Take(n));
            train.AddRange(idx.Skip(n));
        }
        train.Sort();
        validation.Sort();
        return ([.. train], [.. validation]);
    }
}

/// <summary>Turns a list of sequences into padded tensors.</summary>
internal static class Collate
{
    /// <summary>Right-pads with 0: [B, maxLength] ids and a [B, maxLength] bool mask (true = real token).</summary>
    public static (Tensor Ids, Tensor Mask) Pad(IReadOnlyList<long[]> sequences, IReadOnlyList<int> indices, Device device)
    {
        int length = indices.Max(i => sequences[i].Length);
        var ids = new long[indices.Count * length];
        var mask = new bool[indices.Count * length];
        for (int b = 0; b < indices.Count; b++)
        {
            var seq = sequences[indices[b]];
            Array.Copy(seq, 0, ids, b * length, seq.Length);
            Array.Fill(mask, true, b * length, seq.Length);
        }
        return (tensor(ids, [indices.Count, length]).to(device), tensor(mask, [indices.Count, length]).to(device));
    }
}
