namespace MLNet.DeepText.Synthetic;

/// <summary>
/// OrderStatus: an order's history as a short log of events in time order ("order placed online ; note customer
/// called ; parcel handed to courier ; ..."), each status event followed by one or two notes; the label is the
/// order's current status, i.e. the status of the <em>last</em> status event ("placed", "shipped", "delivered",
/// "returned"). Every status can appear anywhere in the log, so word counts do not tell which came last: a
/// bag-of-words model stays well below a model that reads the log in order. The same seed gives the same examples.
/// </summary>
public static class OrderStatus
{
    /// <summary>The classes, in no particular order.</summary>
    public static readonly IReadOnlyList<string> Statuses = ["placed", "shipped", "delivered", "returned"];

    private static readonly string[][] Phrases =
    [
        ["order placed online", "customer placed the order", "new order received"],
        ["parcel handed to courier", "order shipped from warehouse", "package dispatched"],
        ["parcel delivered to customer", "delivery confirmed", "package received at door"],
        ["customer sent the item back", "return received at warehouse", "item returned for refund"],
    ];

    private static readonly string[] Notes =
    [
        "note customer called", "address checked", "email sent", "invoice printed", "support ticket updated",
        "payment verified", "customer asked for an update", "tracking number added", "agent left a comment",
    ];

    /// <summary><paramref name="count"/> order logs of <paramref name="minEvents"/> to <paramref name="maxEvents"/> status events, drawn with <paramref name="seed"/>.</summary>
    public static List<SyntheticExample> Generate(int count, int seed, int minEvents = 2, int maxEvents = 5)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (minEvents < 1) throw new ArgumentOutOfRangeException(nameof(minEvents), minEvents, "minEvents must be at least 1.");
        if (maxEvents < minEvents) throw new ArgumentOutOfRangeException(nameof(maxEvents), maxEvents, $"maxEvents must be at least minEvents ({minEvents}).");
        var rng = new Random(seed);
        var examples = new List<SyntheticExample>(count);
        for (int i = 0; i < count; i++)
        {
            var parts = new List<string>();
            int status = 0;
            for (int e = rng.Next(minEvents, maxEvents + 1); e > 0; e--)
            {
                status = rng.Next(Statuses.Count);
                parts.Add(Phrases[status][rng.Next(Phrases[status].Length)]);
                for (int n = rng.Next(1, 3); n > 0; n--) parts.Add(Notes[rng.Next(Notes.Length)]);
            }
            examples.Add(new SyntheticExample(string.Join(" ; ", parts), Statuses[status]));
        }
        return examples;
    }
}
