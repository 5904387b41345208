using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.DeepText.Tests;

public class EndToEndTests
{
    [Fact]
    public void Learns_the_synthetic_task_well_above_chance_and_evaluates()
    {
        var ml = new MLContext(seed: 1);
        var train = ml.Data.LoadFromEnumerable(Synthetic.Tickets(600, seed: 1));
        var test = ml.Data.LoadFromEnumerable(Synthetic.Tickets(200, seed: 2));
        using var model = Synthetic.Pipeline(ml, Synthetic.TinyOptions()).Fit(train);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
        Assert.True(metrics.MicroAccuracy >= 0.9, $"accuracy {metrics.MicroAccuracy:F3}, chance is 0.25");
        Assert.True(metrics.LogLoss < 1.0, $"log-loss {metrics.LogLoss:F3}");
        var table = metrics.ConfusionMatrix.GetFormattedConfusionTable();
        foreach (var queue in Synthetic.Queues) Assert.Contains(queue, table);
    }
}
