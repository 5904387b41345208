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
            var ml = new MLContext(seed: 1);   // the same context seed: only the Seed option differs
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
        // Validation labels shifted by one class: the better the model learns the task, the worse it scores here, so
        // the best epoch is an early one and a trainer that kept the last epoch's weights would fail below.
        var validationRows = Synthetic.Tickets(80, seed: 11)
            .Select(t => new Ticket { Queue = Synthetic.Queues[(Array.IndexOf(Synthetic.Queues, t.Queue) + 1) % Synthetic.Queues.Length], Text = t.Text })
            .ToList();
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
        Assert.All(reports, r => Assert.True(r.TokensPerSecond > 0 && r.ValidationAccuracy is not null && r.IsEndOfEpoch && r.StepsPerEpoch > 0));
        Assert.All(reports, r => Assert.Equal((5, 5), (r.MaxEpochs, r.Patience)));
        Assert.StartsWith("epoch 1 of at most 5 (early stopping: patience 5), step ", reports[0].ToString());
        var best = reports.Where(r => r.IsBest).Last();
        Assert.Equal(best.Epoch, summary.BestEpoch);
        Assert.True(summary.BestEpoch < summary.EpochsRun, $"best epoch {summary.BestEpoch} of {summary.EpochsRun}");
        Assert.NotEqual(reports[^1].ValidationAccuracy, summary.BestValidationAccuracy);
        Assert.Equal(reports.Max(r => r.ValidationAccuracy!.Value), summary.BestValidationAccuracy);

        // The returned model is the best epoch's: its validation accuracy is the one reported for that epoch.
        var predicted = ml.Data.CreateEnumerable<TicketPrediction>(model.Transform(ml.Data.LoadFromEnumerable(validationRows)), false).ToArray();
        double accuracy = predicted.Zip(validationRows).Count(p => p.First.PredictedQueue == p.Second.Queue) / (double)validationRows.Count;
        Assert.Equal(summary.BestValidationAccuracy!.Value, accuracy, 1e-9);
    }

    [Fact]
    public void Early_stopping_ends_training_after_the_patience_runs_out()
    {
        var reports = new List<TrainingProgress>();
        var ml = new MLContext(seed: 1);
        // Random labels: validation accuracy cannot keep improving, so the patience runs out long before 30 epochs.
        var rng = new Random(4);
        var noise = trained.TrainRows.Take(200).Select(t => new Ticket { Queue = Synthetic.Queues[rng.Next(4)], Text = t.Text });
        var options = Synthetic.TinyOptions(o => { o.MaxEpochs = 30; o.EarlyStoppingPatience = 2; o.ValidationFraction = 0.3; o.ProgressEverySteps = 3; o.Progress = new SyncProgress(reports.Add); });
        using var model = Synthetic.Pipeline(ml, options).Fit(ml.Data.LoadFromEnumerable(noise));
        var summary = model.OfType<DeepTextTransformer>().Single().TrainingSummary!;
        Assert.True(summary.StoppedEarly);
        var epochEnds = reports.Where(r => r.IsEndOfEpoch).ToList();
        Assert.True(epochEnds.Count < 30);
        Assert.Equal(summary.BestEpoch + 2, epochEnds.Count);
        Assert.Equal(2, epochEnds[^1].EpochsWithoutImprovement);
        // 140 training rows in batches of 16: 9 steps per epoch, reported after steps 3 and 6 too.
        var within = reports.Where(r => !r.IsEndOfEpoch).ToList();
        Assert.Equal(2 * epochEnds.Count, within.Count);
        Assert.All(within, r => Assert.True(r.StepInEpoch % 3 == 0 && r.ValidationAccuracy is null && r.StepsPerEpoch == 9, r.ToString()));
    }

    [Fact]
    public void A_spent_time_budget_ends_the_epoch_in_progress_validates_it_and_stops()
    {
        var reports = new List<TrainingProgress>();
        var ml = new MLContext(seed: 1);
        var options = Synthetic.TinyOptions(o => { o.MaxEpochs = 30; o.MaxTrainingTime = TimeSpan.FromTicks(1); o.Progress = new SyncProgress(reports.Add); });
        using var model = Synthetic.Pipeline(ml, options).Fit(ml.Data.LoadFromEnumerable(trained.TrainRows.Take(200)));
        var summary = model.OfType<DeepTextTransformer>().Single().TrainingSummary!;
        Assert.Equal(1, summary.EpochsRun);
        Assert.Equal(1, summary.Steps);                     // the budget is checked before every step but the first of an epoch
        Assert.True(summary.StoppedEarly);
        Assert.NotNull(Assert.Single(reports, r => r.IsEndOfEpoch).ValidationAccuracy);
    }

    [Fact]
    public void Without_a_validation_split_it_trains_on_every_row_keeps_the_lowest_training_loss_epoch_and_still_learns()
    {
        var ml = new MLContext(seed: 1);
        var reports = new List<TrainingProgress>();
        var options = Synthetic.TinyOptions(o => { o.ValidationFraction = 0; o.MaxEpochs = 6; o.EarlyStoppingPatience = 6; o.Progress = new SyncProgress(reports.Add); });
        using var model = Synthetic.Pipeline(ml, options).Fit(trained.Train);
        Assert.Equal(6, reports.Count);
        Assert.All(reports, r => Assert.Null(r.ValidationAccuracy));
        var summary = model.OfType<DeepTextTransformer>().Single().TrainingSummary!;
        Assert.Equal(reports.MinBy(r => r.TrainingLoss)!.Epoch, summary.BestEpoch);
        Assert.Null(summary.BestValidationAccuracy);
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(trained.Test));
        Assert.True(metrics.MicroAccuracy >= 0.9, $"accuracy {metrics.MicroAccuracy:F3}");
    }

    [Fact]
    public void Cancellation_stops_training()
    {
        using var cts = new CancellationTokenSource();
        var ml = new MLContext(seed: 1);
        int reports = 0;
        var options = Synthetic.TinyOptions(o => { o.CancellationToken = cts.Token; o.MaxEpochs = 8; o.EarlyStoppingPatience = 8;
            o.Progress = new SyncProgress(_ => { reports++; cts.Cancel(); }); });
        Assert.ThrowsAny<OperationCanceledException>(() => Synthetic.Pipeline(ml, options).Fit(trained.Train));
        Assert.Equal(1, reports);   // stopped right after the first epoch, not at the end of Fit
    }

    [Fact]
    public void MLContext_CancelExecution_stops_training()
    {
        var ml = new MLContext(seed: 1);
        int reports = 0;
        var cancel = typeof(MLContext).GetMethod("CancelExecution", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic)!;
        var options = Synthetic.TinyOptions(o => { o.MaxEpochs = 8; o.EarlyStoppingPatience = 8;
            o.Progress = new SyncProgress(_ => { reports++; cancel.Invoke(ml, null); }); });
        Assert.ThrowsAny<OperationCanceledException>(() => Synthetic.Pipeline(ml, options).Fit(trained.Train));
        Assert.Equal(1, reports);
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
            Assert.Equal(1.0, p.Score.Sum(), 1e-4);
        }
        var batch = trained.Classifier.PredictProbabilities([null, "", "refund please"]);
        Assert.All(batch, p => Assert.Equal(1.0, p.Sum(), 1e-4));
        Assert.Equal(batch[0], batch[1]);                                           // null is read as the empty text
        Assert.Equal(batch[0], engine.Predict(new Ticket { Text = null }).Score, (a, b) => Math.Abs(a - b) < 1e-5);   // row by row = batched
        Assert.NotEqual(batch[0], batch[2]);
    }

    /// <summary>Reports synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }
}

public class DivergenceTests
{
    private static (Models.TextClassifier Model, Training.TokenizedDataset Data) Tiny()
    {
        var spec = Synthetic.Tiny("TransformerEncoder").CreateSpec(vocabularySize: 20, numberOfClasses: 2, wordVectors: null);
        var model = Training.TorchRandom.Build(1, spec.Build);
        var rng = new Random(1);
        var sequences = Enumerable.Range(0, 64).Select(_ => Enumerable.Range(0, 6).Select(_ => (long)rng.Next(3, 20)).ToArray()).ToArray();
        return (model, new Training.TokenizedDataset(sequences, [.. sequences.Select(s => (int)(s[0] % 2))]));
    }

    private static Training.TrainingSettings Settings => new()
    {
        BatchSize = 16, MaxEpochs = 2, LearningRate = 1e-3, WeightDecay = 0, WarmupFraction = 0, LabelSmoothing = 0,
        GradientClipNorm = 1, EarlyStoppingPatience = 2, Seed = 1,
    };

    [Fact]
    public void A_model_whose_loss_is_never_finite_fails_with_a_clear_error_instead_of_returning_NaN_scores()
    {
        var (model, data) = Tiny();
        using var _ = model;
        using (TorchSharp.torch.no_grad()) model.named_parameters().First(p => p.name.StartsWith("head.")).parameter.fill_(float.NaN);
        var e = Assert.Throws<InvalidOperationException>(() => new Training.ClassifierTrainer(Settings, TorchSharp.torch.CPU).Train(model, data, data));
        Assert.Contains("diverged", e.Message);
        Assert.Contains("LearningRate", e.Message);
    }

    [Fact]
    public void A_batch_with_a_non_finite_gradient_is_skipped_and_the_weights_stay_finite()
    {
        var (model, data) = Tiny();
        using var _ = model;
        // An infinite word vector for id 3: batches with that token have a non-finite loss and are skipped, the others train.
        using (TorchSharp.torch.no_grad()) model.Encoder.WordVectors![3].fill_(float.PositiveInfinity);
        var sequences = data.Sequences.Select((s, i) => i < 8 ? s.Select(t => t == 3 ? 4L : t).Prepend(3L).ToArray() : s.Select(t => t == 3 ? 4L : t).ToArray()).ToArray();
        var summary = new Training.ClassifierTrainer(Settings, TorchSharp.torch.CPU).Train(model, new Training.TokenizedDataset(sequences, [.. data.Labels]), data);
        Assert.True(summary.EpochsRun >= 1);
        Assert.All(model.parameters().Where(p => p.requires_grad), p => Assert.False(p.isnan().any().item<bool>()));
    }
}
