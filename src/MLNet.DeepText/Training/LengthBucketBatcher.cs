namespace MLNet.DeepText.Training;

/// <summary>
/// Shuffled batches with length bucketing: examples are shuffled, cut into windows of
/// <c>windowBatches × batchSize</c>, sorted by length inside each window and cut into batches, and the
/// batches are shuffled again. Batches hold similar lengths (little padding) while the order stays random.
/// </summary>
internal static class LengthBucketBatcher
{
    public static List<int[]> Batches(IReadOnlyList<long[]> sequences, int batchSize, int windowBatches, Random rng)
    {
        var order = Enumerable.Range(0, sequences.Count).ToArray();
        rng.Shuffle(order);
        int window = Math.Max(1, windowBatches) * batchSize;
        var batches = new List<int[]>();
        for (int start = 0; start < order.Length; start += window)
        {
            var slice = order[start..Math.Min(order.Length, start + window)].OrderBy(i => sequences[i].Length).ToArray();
            for (int b = 0; b < slice.Length; b += batchSize)
                batches.Add(slice[b..Math.Min(slice.Length, b + batchSize)]);
        }
        var shuffled = batches.ToArray();
        rng.Shuffle(shuffled);
        return [.. shuffled];
    }

    /// <summary>Batches for inference: sorted by length (to cut padding), original order not kept.</summary>
    public static IEnumerable<int[]> SortedBatches(IReadOnlyList<long[]> sequences, int batchSize) =>
        Enumerable.Range(0, sequences.Count).OrderBy(i => sequences[i].Length).Chunk(batchSize);
}
