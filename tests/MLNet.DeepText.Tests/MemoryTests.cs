using System.Diagnostics;

namespace MLNet.DeepText.Tests;

public class MemoryTests(TrainedModel trained) : IClassFixture<TrainedModel>
{
    [Fact]
    public void Scoring_thousands_of_rows_one_by_one_leaves_native_memory_flat()
    {
        var rows = Synthetic.Tickets(4000, seed: 9);
        var engine = trained.Engine();
        for (int i = 0; i < 500; i++) engine.Predict(rows[i]);             // warm up allocator and caches

        var stats = TorchSharp.DisposeScopeManager.Statistics;
        long liveBefore = stats.ThreadTotalLiveCount;
        GC.Collect(); GC.WaitForPendingFinalizers();
        long before = Process.GetCurrentProcess().PrivateMemorySize64;
        for (int i = 500; i < rows.Count; i++) engine.Predict(rows[i]);
        GC.Collect(); GC.WaitForPendingFinalizers();
        long after = Process.GetCurrentProcess().PrivateMemorySize64;

        Assert.Equal(liveBefore, stats.ThreadTotalLiveCount);                // no tensor outlives its prediction
        Assert.True(after - before < 40L << 20, $"private memory grew by {(after - before) >> 20} MiB over 3,500 predictions");
    }
}
