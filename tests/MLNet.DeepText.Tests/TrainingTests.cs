using Microsoft.ML;
using MLNet.DeepText.Training;

namespace MLNet.DeepText.Tests;

public class TrainingTests(TrainedModel trained) : IClassFixture<TrainedModel>
{
    [Fact]
    public void Two_fits_with_the_same_seed_give_identical_scores()
    {
        float[][] Fit()
        {
            var ml = new MLContext(seed: 3);
            using var model = Synthetic.Pipeline(ml, Synthetic.TinyOptions(o => { o.MaxEpochs = 2; o.Seed = null; }))
                .Fit(ml.Data.LoadFromEnumerable(trained.TrainRows.Take(200)));
            return trained.Scores(model, trained.Test);
        }
        var first = Fit();
        Assert.Equal(first, Fit());
    }

    [Fact]
    public void Different_seeds_give_different_models()
    {
        float[][] Fit(int seed)
        {
            var ml = new MLContext();
            using var model = Synthetic.Pipeline(ml, Synthetic.TinyOptions(o => { o.MaxEpochs = 1; o.Seed = seed; }))
                .Fit(ml.Data.LoadFromEnumerable(trained.TrainRows.Take(100)));
            return trained.Scores(model, trained.Test);
        }
        Assert.NotEqual(Fit(1), Fit(2));
    }

    [Fact]
    public void The_best_epoch_is_restored_and_progress_is_reported_every_epoch()
    {
        var reports = new List<TrainingProgress>();
        var liveTensors = new List<long>();
        var validationRows = Synthetic.Tickets(80, seed: 11);
        var ml = new MLContext(seed: 1);
        var validation = ml.Transforms.Conversion.MapValueToKey("Label", "Queue").Fit(trained.Train)
            .Transform(ml.Data.LoadFromEnumerable(validationRows));
        var options = Synthetic.TinyOptions(o => { o.MaxEpochs = 5; o.ValidationSet = validation; o.EarlyStoppingPatience = 5;
            o.Progress = new SyncProgress(r => { reports.Add(r); liveTensors.Add(TorchSharp.DisposeScopeManager.Statistics.ThreadTotalLiveCount); }); });
        using var model = Synthetic.Pipeline(ml, options).Fit(trained.Train);
        var summary = model.OfType<DeepTextTransformer>().Single().TrainingSummary!;

        Assert.Equal(summary.EpochsRun, reports.Count);
        Assert.Equal(5, reports.Count);
        // The count settles after the first epoch (it then holds the best-epoch snapshot); a leak would make it grow.
        Assert.All(liveTensors.Skip(1), n => Assert.Equal(liveTensors[1], n));
        Assert.Equal(Enumerable.Range(1, reports.Count), reports.Select(r => r.Epoch));
        Assert.All(reports, r => Assert.True(r.TokensPerSecond > 0 && r.ValidationAccuracy is not null && r.Step > 0));
        var best = reports.Where(r => r.IsBest).Last();
        Assert.Equal(best.Epoch, summary.BestEpoch);
        Assert.Equal(reports.Max(r => r.ValidationAccuracy!.Value), summary.BestValidationAccuracy);

        // The returned model is the best epoch's: its validation accuracy is the one reported for that epoch.
        var predicted = ml.Data.CreateEnumerable<TicketPrediction>(model.Transform(ml.Data.LoadFromEnumerable(validationRows)), false).ToArray();
        double accuracy = predicted.Zip(validationRows).Count(p => p.First.PredictedQueue == p.Second.Queue) / (double)validationRows.Count;
        Assert.Equal(summary.BestValidationAccuracy!.Value, accuracy, 9);
    }

    [Fact]
    public void Early_stopping_ends_training_after_the_patience_runs_out()
    {
        var reports = new List<TrainingProgress>();
        var ml = new MLContext(seed: 1);
        // Random labels: validation accuracy cannot keep improving, so the patience runs out long before 30 epochs.
        var rng = new Random(4);
        var noise = trained.TrainRows.Take(200).Select(t => new Ticket { Queue = Synthetic.Queues[rng.Next(4)], Text = t.Text });
        var options = Synthetic.TinyOptions(o => { o.MaxEpochs = 30; o.EarlyStoppingPatience = 2; o.ValidationFraction = 0.3; o.Progress = new SyncProgress(reports.Add); });
        using var model = Synthetic.Pipeline(ml, options).Fit(ml.Data.LoadFromEnumerable(noise));
        var summary = model.OfType<DeepTextTransformer>().Single().TrainingSummary!;
        Assert.True(summary.StoppedEarly);
        Assert.True(reports.Count < 30);
        Assert.Equal(summary.BestEpoch + 2, reports.Count);
    }

    [Fact]
    public void Without_a_validation_split_it_trains_on_every_row_and_still_learns()
    {
        var ml = new MLContext(seed: 1);
        var reports = new List<TrainingProgress>();
        var options = Synthetic.TinyOptions(o => { o.ValidationFraction = 0; o.MaxEpochs = 6; o.Progress = new SyncProgress(reports.Add); });
        using var model = Synthetic.Pipeline(ml, options).Fit(trained.Train);
        Assert.All(reports, r => Assert.Null(r.ValidationAccuracy));
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(trained.Test));
        Assert.True(metrics.MicroAccuracy >= 0.9, $"accuracy {metrics.MicroAccuracy:F3}");
    }

    [Fact]
    public void Cancellation_stops_training()
    {
        using var cts = new CancellationTokenSource();
        var ml = new MLContext(seed: 1);
        var options = Synthetic.TinyOptions(o => { o.CancellationToken = cts.Token; o.Progress = new SyncProgress(_ => cts.Cancel()); });
        Assert.ThrowsAny<OperationCanceledException>(() => Synthetic.Pipeline(ml, options).Fit(trained.Train));
    }

    [Fact]
    public void Rows_with_a_missing_label_are_skipped_and_counted_in_the_log()
    {
        var ml = new MLContext(seed: 1);
        var log = new List<string>();
        ml.Log += (_, e) => { lock (log) log.Add(e.Message); };
        // Keys are learned from the first rows only, so the later "unknown" queue maps to the missing key (0).
        var keys = ml.Transforms.Conversion.MapValueToKey("Label", "Queue").Fit(ml.Data.LoadFromEnumerable(trained.TrainRows));
        var rows = trained.TrainRows.Take(150).Concat(Enumerable.Range(0, 7).Select(i => new Ticket { Queue = "unknown", Text = "what" })).ToList();
        var data = keys.Transform(ml.Data.LoadFromEnumerable(rows));
        using var model = ml.MulticlassClassification.Trainers.TransformerEncoder(Synthetic.TinyOptions(o => o.MaxEpochs = 1)).Fit(data);
        Assert.Contains(log, m => m.Contains("Skipped 7 training row(s) with a missing label"));
    }

    [Fact]
    public void Null_and_empty_text_get_a_prediction()
    {
        var engine = trained.Engine();
        foreach (var text in new[] { null, "", "   " })
        {
            var p = engine.Predict(new Ticket { Text = text });
            Assert.Contains(p.PredictedQueue, Synthetic.Queues);
            Assert.Equal(1.0, p.Score.Sum(), 4);
        }
        var batch = trained.Classifier.PredictProbabilities([null, "", "refund please"]);
        Assert.All(batch, p => Assert.Equal(1.0, p.Sum(), 4));
    }

    /// <summary>Reports synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }
}
