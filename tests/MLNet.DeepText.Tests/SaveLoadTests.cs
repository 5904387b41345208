using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Analysis;
using Microsoft.ML;

namespace MLNet.DeepText.Tests;

public class SaveLoadTests(TrainedModel trained) : IClassFixture<TrainedModel>
{
    [Fact]
    public void Round_trip_in_the_same_context_and_a_fresh_context_gives_identical_scores()
    {
        var before = trained.Scores(trained.Model, trained.Test);
        var path = Path.Combine(Path.GetTempPath(), $"deeptext-{Guid.NewGuid():N}.zip");
        try
        {
            trained.ML.Model.Save(trained.Model, trained.Train.Schema, path);

            var same = trained.ML.Model.Load(path, out var schema);
            Assert.Equal(before, trained.Scores(same, trained.Test));
            Assert.NotNull(schema.GetColumnOrNull("Queue"));

            var fresh = new MLContext();
            var loaded = fresh.Model.Load(path, out _);
            Assert.Equal(before, trained.Scores(loaded, fresh.Data.LoadFromEnumerable(trained.TestRows)));
            var predicted = fresh.Data.CreateEnumerable<TicketPrediction>(loaded.Transform(fresh.Data.LoadFromEnumerable(trained.TestRows)), false)
                .Select(p => p.PredictedQueue).ToArray();
            Assert.All(predicted, q => Assert.Contains(q, Synthetic.Queues));   // MapKeyToValue still works after load
            (same as IDisposable)?.Dispose();
            (loaded as IDisposable)?.Dispose();
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_fresh_context_loads_without_registration_and_scores_identically()
    {
        var path = Path.Combine(Path.GetTempPath(), $"deeptext-{Guid.NewGuid():N}.zip");
        try
        {
            trained.ML.Model.Save(trained.Model, trained.Train.Schema, path);
            var fresh = new MLContext();
            using var loaded = (IDisposable)fresh.Model.Load(path, out _);
            Assert.Equal(trained.Scores(trained.Model, trained.Test), trained.Scores((ITransformer)loaded, trained.Test));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void PredictionEngine_gives_the_batch_scores_row_by_row()
    {
        var batch = trained.Scores(trained.Model, trained.Test);
        var engine = trained.Engine();
        for (int i = 0; i < 40; i++)
        {
            var p = engine.Predict(trained.TestRows[i]);
            Assert.Equal(batch[i].Length, p.Score.Length);
            for (int c = 0; c < p.Score.Length; c++) Assert.Equal(batch[i][c], p.Score[c], 1e-5);
            Assert.Equal(Synthetic.Queues.Length, p.Score.Length);
            Assert.Equal(1.0, p.Score.Sum(), 1e-4);
        }
    }

    [Fact]
    public void Transform_across_many_read_ahead_windows_matches_row_by_row_scoring_and_keeps_row_order()
    {
        var ml = new MLContext(seed: 1);
        var rows = Synthetic.Tickets(150, seed: 4, minWords: 1, maxWords: 40);   // lengths vary, so batches get reordered
        rows[7].Text = null;
        using var model = Synthetic.Pipeline(ml, Synthetic.TinyOptions(o => { o.MaxEpochs = 1; o.PredictionBatchSize = 3; })).Fit(ml.Data.LoadFromEnumerable(rows));
        var batched = ml.Data.CreateEnumerable<TicketPrediction>(model.Transform(ml.Data.LoadFromEnumerable(rows)), false).ToArray();
        var engine = ml.Model.CreatePredictionEngine<Ticket, TicketPrediction>(model);
        Assert.Equal(rows.Count, batched.Length);                           // 150 rows = 6 windows of 24 and a partial one
        for (int i = 0; i < rows.Count; i++)
        {
            var single = engine.Predict(rows[i]);
            Assert.Equal(single.PredictedQueue, batched[i].PredictedQueue);
            for (int c = 0; c < single.Score.Length; c++) Assert.Equal(single.Score[c], batched[i].Score[c], 1e-5);
        }
    }

    private sealed class NumericTicket { public int Code { get; set; } public string Text { get; set; } = ""; }
    private sealed class NumericPrediction { public int PredictedCode { get; set; } }

    [Fact]
    public void Numeric_label_values_survive_MapKeyToValue_and_a_save_load_round_trip()
    {
        var ml = new MLContext(seed: 1);
        var rows = Synthetic.Tickets(200, seed: 6).Select(t => new NumericTicket { Code = 100 + Array.IndexOf(Synthetic.Queues, t.Queue), Text = t.Text! }).ToList();
        var data = ml.Data.LoadFromEnumerable(rows);
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", nameof(NumericTicket.Code))
            .Append(ml.MulticlassClassification.Trainers.TransformerEncoder(Synthetic.TinyOptions(o => o.MaxEpochs = 6)))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedCode", "PredictedLabel"));
        using var model = pipeline.Fit(data);
        var path = Path.Combine(Path.GetTempPath(), $"deeptext-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, data.Schema, path);
            var loaded = new MLContext().Model.Load(path, out _);
            var predicted = ml.Data.CreateEnumerable<NumericPrediction>(loaded.Transform(data), false).Select(p => p.PredictedCode).ToArray();
            Assert.All(predicted, code => Assert.InRange(code, 100, 103));
            Assert.True(predicted.Zip(rows).Count(p => p.First == p.Second.Code) > 150);
            ((IDisposable)loaded).Dispose();
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_DataFrame_can_be_passed_to_Fit_and_Transform()
    {
        var rows = Synthetic.Tickets(300, seed: 5);
        var df = new DataFrame(
            new StringDataFrameColumn("Queue", rows.Select(r => r.Queue)),
            new StringDataFrameColumn("Text", rows.Select(r => r.Text)));
        var ml = new MLContext(seed: 1);
        using var model = Synthetic.Pipeline(ml, Synthetic.TinyOptions(o => o.MaxEpochs = 6)).Fit(df);
        var testRows = Synthetic.Tickets(200, seed: 6);
        var test = new DataFrame(
            new StringDataFrameColumn("Queue", testRows.Select(r => r.Queue)),
            new StringDataFrameColumn("Text", testRows.Select(r => r.Text)));
        var output = model.Transform(test).ToDataFrame(-1, "Queue", "PredictedQueue");
        Assert.Equal(testRows.Count, output.Rows.Count);
        double accuracy = Enumerable.Range(0, testRows.Count).Count(i => (string)output["Queue"][i] == (string)output["PredictedQueue"][i]) / (double)testRows.Count;
        Assert.True(accuracy > 0.8, $"held-out accuracy {accuracy:F3}");
    }

    [Fact]
    public void CrossValidate_works_unchanged()
    {
        var ml = new MLContext(seed: 1);
        var data = ml.Transforms.Conversion.MapValueToKey("Label", "Queue").Fit(trained.Train).Transform(trained.Train);
        var results = ml.MulticlassClassification.CrossValidate(data,
            ml.MulticlassClassification.Trainers.TransformerEncoder(Synthetic.TinyOptions(o => o.MaxEpochs = 4)), numberOfFolds: 2);
        Assert.Equal(2, results.Count);
        Assert.All(results, r => Assert.True(r.Metrics.MicroAccuracy > 0.6, $"fold accuracy {r.Metrics.MicroAccuracy:F3}"));
        foreach (var r in results) ((IDisposable)r.Model).Dispose();
    }
}
