namespace MLNet.DeepText.Models;

/// <summary>
/// What the forward passes on this thread computed, recorded by the attention layers themselves while a trace is
/// active (tests and benchmarks start one; nothing is recorded otherwise). It measures the work that ran rather
/// than a model's own account of it.
/// </summary>
internal sealed class ModelTrace : IDisposable
{
    [ThreadStatic] private static ModelTrace? t_current;
    private readonly ModelTrace? _previous = t_current;

    private ModelTrace() => t_current = this;

    /// <summary>Starts recording on this thread until disposed.</summary>
    public static ModelTrace Start() => new();

    /// <summary>Attention calls (one per layer per forward of an attention module).</summary>
    public long AttentionCalls { get; private set; }
    /// <summary>Query positions summed over attention calls and batch rows.</summary>
    public long AttentionQueries { get; private set; }
    /// <summary>Query–key score entries computed, summed over calls, batch rows and heads.</summary>
    public long AttentionScoreEntries { get; private set; }

    /// <summary>Calls of a recurrent core (the staircase's shared blocks).</summary>
    public long CoreCalls { get; private set; }
    /// <summary>Chunks a hierarchical encoder's chunk encoder read, summed over batch rows.</summary>
    public long Chunks { get; private set; }

    internal static void CoreCall()
    {
        if (t_current is { } trace) trace.CoreCalls++;
    }

    internal static void ChunksRead(long count)
    {
        if (t_current is { } trace) trace.Chunks += count;
    }

    internal static void Attention(long batch, long heads, long queries, long keys)
    {
        if (t_current is not { } trace) return;
        trace.AttentionCalls++;
        trace.AttentionQueries += batch * queries;
        trace.AttentionScoreEntries += batch * heads * queries * keys;
    }

    public void Dispose() => t_current = _previous;
}
