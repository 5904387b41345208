using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.DeepText.Tests;

public class ModelComparisonTests
{
    private sealed class LabeledPrediction
    {
        public string PredictedLabel { get; set; } = "";
    }

    /// <summary>Wraps an estimator and records the texts of every training set it is fitted on.</summary>
    private sealed class Recording(IEstimator<ITransformer> inner, List<string[]> fits) : IEstimator<ITransformer>
    {
        public ITransformer Fit(IDataView input)
        {
            fits.Add(input.GetColumn<string>("Text").ToArray());
            return inner.Fit(input);
        }

        public SchemaShape GetOutputSchema(SchemaShape inputSchema) => inner.GetOutputSchema(inputSchema);
    }

    private static ModelCandidate TinyTransformer(int maxEpochs = 8, int patience = 3) => ModelCandidate.TransformerEncoder(o =>
    {
        var tiny = Synthetic.TinyOptions();
        (o.Width, o.NumberOfLayers, o.NumberOfHeads, o.MlpRatio, o.MaxTokens) = (tiny.Width, tiny.NumberOfLayers, tiny.NumberOfHeads, tiny.MlpRatio, tiny.MaxTokens);
        (o.BatchSize, o.LearningRate, o.MinTokenCount, o.Seed) = (tiny.BatchSize, tiny.LearningRate, tiny.MinTokenCount, tiny.Seed);
        (o.MaxEpochs, o.EarlyStoppingPatience) = (maxEpochs, patience);
    });

    private static IDataView Tickets(MLContext ml, int count = 300) => ml.Data.LoadFromEnumerable(Synthetic.Tickets(count, seed: 11));

    [Fact]
    public void Every_candidate_trains_on_the_same_folds_and_user_candidates_work()
    {
        var ml = new MLContext(1);
        var first = new List<string[]>();
        var second = new List<string[]>();
        ModelCandidate Recorded(string name, List<string[]> fits) => ModelCandidate.Custom(name, c => new Recording(
            c.MLContext.Transforms.Text.FeaturizeText("F", c.TextColumnName).Append(c.MLContext.MulticlassClassification.Trainers.SdcaMaximumEntropy(c.LabelColumnName, "F")), fits));

        var result = ml.MulticlassClassification.CompareModels(Tickets(ml), "Text", nameof(Ticket.Queue),
            new ModelComparisonOptions { Candidates = [Recorded("a", first), Recorded("b", second)], NumberOfFolds = 3, RefitBest = false });

        Assert.Equal(3, result.Folds);
        Assert.Equal(3, first.Count);
        Assert.Equal(first, second);
        Assert.All(first, fold => Assert.InRange(fold.Length, 150, 250));                    // about 2/3 of 300 rows each
        Assert.All(result.Leaderboard, r => Assert.Equal(CandidateStatus.Completed, r.Status));
        Assert.All(result.Leaderboard, r => Assert.True(r.MicroAccuracy > 0.8, $"{r.Candidate}: {r.MicroAccuracy}"));
        Assert.All(result.Leaderboard, r => Assert.Equal(3, r.FoldMetrics.Count));
        Assert.Null(result.BestModel);
    }

    [Fact]
    public void A_custom_LightGbm_candidate_learns_the_tickets()
    {
        var ml = new MLContext(1);
        var lightGbm = ModelCandidate.Custom("FeaturizeText+LightGbm", c => c.MLContext.Transforms.Text.FeaturizeText("__Features", c.TextColumnName)
            .Append(c.MLContext.MulticlassClassification.Trainers.LightGbm(c.LabelColumnName, "__Features")));
        var result = ml.MulticlassClassification.CompareModels(Tickets(ml), "Text", nameof(Ticket.Queue),
            new ModelComparisonOptions { Candidates = [lightGbm], RefitBest = false });
        var row = Assert.Single(result.Leaderboard);
        Assert.Equal("FeaturizeText+LightGbm", row.Candidate);
        Assert.Equal(CandidateStatus.Completed, row.Status);
        Assert.True(row.MicroAccuracy > 0.8, $"{row.MicroAccuracy}");
        Assert.Null(row.Parameters);                                                  // trees: not a weight count
    }

    [Fact]
    public void A_custom_candidate_with_a_nested_chain_reports_its_models_parameters()
    {
        var ml = new MLContext(1);
        var shortened = ModelCandidate.Custom("ShortenText + (copy + Transformer)", c =>
        {
            var model = c.MLContext.Transforms.CopyColumns("Original", "Text")
                .Append(c.MLContext.MulticlassClassification.Trainers.TransformerEncoder(Synthetic.TinyOptions(o => o.LabelColumnName = c.LabelColumnName)));
            return c.MLContext.Transforms.Text.ShortenText("Text", "Text").Append(model);      // a chain inside a chain
        });
        var row = Assert.Single(ml.MulticlassClassification.CompareModels(Tickets(ml), "Text", nameof(Ticket.Queue),
            new ModelComparisonOptions { Candidates = [shortened], RefitBest = false }).Leaderboard);
        Assert.Equal(CandidateStatus.Completed, row.Status);
        Assert.True(row.Parameters > 10_000, $"{row.Parameters}");               // the Transformer inside the nested chain
    }

    [Fact]
    public void Leaderboard_equals_MLNet_Evaluate_on_the_same_split_and_the_best_model_saves_and_loads()
    {
        var ml = new MLContext(1);
        var data = Tickets(ml);
        var result = ml.MulticlassClassification.CompareModels(data, "Text", nameof(Ticket.Queue),
            new ModelComparisonOptions { Candidates = [TinyTransformer(), ModelCandidate.SdcaMaximumEntropy()], TestFraction = 0.25, Seed = 5 });

        // The same split and the same seeded model, outside the comparison.
        var keyed = ml.Transforms.Conversion.MapValueToKey(nameof(Ticket.Queue)).Fit(data).Transform(data);
        var split = ml.Data.TrainTestSplit(keyed, 0.25, seed: 5);
        var options = Synthetic.TinyOptions(o => o.LabelColumnName = nameof(Ticket.Queue));
        using var model = ml.MulticlassClassification.Trainers.TransformerEncoder(options).Fit(split.TrainSet);
        var expected = ml.MulticlassClassification.Evaluate(model.Transform(split.TestSet), nameof(Ticket.Queue));
        var row = result.Leaderboard.Single(r => r.Candidate == "TransformerEncoder");
        Assert.Equal(expected.MicroAccuracy, row.MicroAccuracy, 12);
        Assert.Equal(expected.MacroAccuracy, row.MacroAccuracy, 12);
        Assert.Equal(expected.LogLoss, row.LogLoss, 1e-9);
        Assert.Equal(expected.MacroF1(), row.MacroF1, 12);
        Assert.Equal(model.ParameterCount, row.Parameters);
        Assert.True(result.Leaderboard.Single(r => r.Candidate == "FeaturizeText+SdcaMaximumEntropy").Parameters > 1000);   // features × classes
        Assert.True(row.ModelBytes > 3 * model.ParameterCount, $"{row.ModelBytes} bytes (zipped) for {model.ParameterCount} float parameters");
        Assert.True(row.TrainSeconds > 0 && row.PredictionsPerSecond > 0);

        // Ranked best first; the table and the DataFrame have every candidate.
        Assert.True(result.Leaderboard[0].MicroAccuracy >= result.Leaderboard[1].MicroAccuracy);
        Assert.Equal(result.Leaderboard[0], result.Best);
        Assert.Contains("FeaturizeText+SdcaMaximumEntropy", result.ToMarkdown());
        Assert.Equal(3, result.ToDataFrame().Rows.Count);   // the two candidates and their ensemble

        // The refitted best pipeline takes raw rows and gives the label's own values; it survives save and load.
        var path = Path.Combine(Path.GetTempPath(), $"compare-{Guid.NewGuid():N}.zip");
        using var best = (IDisposable)result.BestModel!;
        try
        {
            ml.Model.Save(result.BestModel, data.Schema, path);
            var loaded = new MLContext().Model.Load(path, out _);
            var engine = ml.Model.CreatePredictionEngine<Ticket, LabeledPrediction>(loaded);
            Assert.Equal("billing", engine.Predict(new Ticket { Text = "please refund the invoice" }).PredictedLabel);
            (loaded as IDisposable)?.Dispose();
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Time_budget_stops_training_and_skips_the_rest()
    {
        var ml = new MLContext(1);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = ml.MulticlassClassification.CompareModels(Tickets(ml), "Text", nameof(Ticket.Queue), new ModelComparisonOptions
        {
            Candidates = [TinyTransformer(maxEpochs: 10_000, patience: 10_000), ModelCandidate.SdcaMaximumEntropy()],
            TimeBudget = TimeSpan.FromSeconds(3),
        });
        // 10,000 epochs would take hours; stopping at the budget takes seconds, even on a loaded machine.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(120), $"took {clock.Elapsed}");
        Assert.Equal(CandidateStatus.StoppedByTimeBudget, result.Leaderboard.Single(r => r.Candidate == "TransformerEncoder").Status);
        Assert.Equal(CandidateStatus.SkippedByTimeBudget, result.Leaderboard.Single(r => r.Candidate != "TransformerEncoder").Status);
        Assert.Null(result.Best);
        Assert.Null(result.BestModel);
    }

    [Fact]
    public void Cancellation_stops_the_comparison_and_progress_is_reported()
    {
        var ml = new MLContext(1);
        using var cts = new CancellationTokenSource();
        var reports = new List<ComparisonProgress>();
        var progress = new SynchronousProgress(p => { reports.Add(p); if (p.Finished) cts.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => ml.MulticlassClassification.CompareModels(Tickets(ml), "Text", nameof(Ticket.Queue),
            new ModelComparisonOptions { Candidates = [ModelCandidate.SdcaMaximumEntropy(), TinyTransformer()], Progress = progress, CancellationToken = cts.Token }));
        Assert.Equal(2, reports.Count);                                       // the first candidate's start and end, nothing after
        Assert.True(reports[1].Finished && reports[1].MicroAccuracy > 0.5);
    }

    [Fact]
    public void A_failing_candidate_is_a_Failed_row_the_ranking_follows_RankBy_and_the_best_is_refitted_on_every_row()
    {
        var ml = new MLContext(1);
        var refits = new List<string[]>();
        ModelCandidate Sdca(string name, float l2, List<string[]>? fits = null) => ModelCandidate.Custom(name, c => new Recording(
            c.MLContext.Transforms.Text.FeaturizeText("F", c.TextColumnName)
                .Append(c.MLContext.MulticlassClassification.Trainers.SdcaMaximumEntropy(c.LabelColumnName, "F", l2Regularization: l2)), fits ?? []));
        var failing = ModelCandidate.Custom("broken", c => c.MLContext.Transforms.Text.FeaturizeText("F", "NoSuchColumn")
            .Append(c.MLContext.MulticlassClassification.Trainers.SdcaMaximumEntropy(c.LabelColumnName, "F")));
        var data = Tickets(ml);
        ModelComparisonResult Compare(ComparisonMetric metric, bool refit) => ml.MulticlassClassification.CompareModels(data, "Text", nameof(Ticket.Queue),
            new ModelComparisonOptions { Candidates = [failing, Sdca("strong", 1e-4f, refits), Sdca("weak", 5f, refits)], RankBy = metric, RefitBest = refit });

        var byLogLoss = Compare(ComparisonMetric.LogLoss, refit: true);
        var broken = byLogLoss.Leaderboard[^1];
        Assert.Equal(("broken", CandidateStatus.Failed), (broken.Candidate, broken.Status));
        Assert.Contains("NoSuchColumn", broken.Error);
        var completed = byLogLoss.Leaderboard.Where(r => r.Status == CandidateStatus.Completed).ToList();
        Assert.Equal(completed.OrderBy(r => r.LogLoss).Select(r => r.Candidate), completed.Select(r => r.Candidate));
        // The refit is the last fit recorded: on all 300 rows, not the 80% training split.
        Assert.Equal(300, refits[^1].Length);
        Assert.NotNull(byLogLoss.BestModel);

        var byMacroF1 = Compare(ComparisonMetric.MacroF1, refit: false);
        var done = byMacroF1.Leaderboard.Where(r => r.Status == CandidateStatus.Completed).ToList();
        Assert.Equal(done.OrderByDescending(r => r.MacroF1).ThenBy(r => r.LogLoss).Select(r => r.Candidate), done.Select(r => r.Candidate));
        Assert.Null(byMacroF1.BestModel);
    }

    [Fact]
    public void With_folds_the_budget_stops_a_candidate_between_folds()
    {
        var ml = new MLContext(1);
        var slow = ModelCandidate.Custom("slow", c => new Delayed(c.MLContext.Transforms.Text.FeaturizeText("F", c.TextColumnName)
            .Append(c.MLContext.MulticlassClassification.Trainers.SdcaMaximumEntropy(c.LabelColumnName, "F")), TimeSpan.FromSeconds(2)));
        var result = ml.MulticlassClassification.CompareModels(Tickets(ml), "Text", nameof(Ticket.Queue),
            new ModelComparisonOptions { Candidates = [slow], NumberOfFolds = 5, TimeBudget = TimeSpan.FromSeconds(1), RefitBest = false });
        Assert.Equal(CandidateStatus.StoppedByTimeBudget, result.Leaderboard.Single().Status);
    }

    /// <summary>Waits before fitting (a slow candidate that cannot be interrupted, like ML.NET's own trainers).</summary>
    private sealed class Delayed(IEstimator<ITransformer> inner, TimeSpan delay) : IEstimator<ITransformer>
    {
        public ITransformer Fit(IDataView input)
        {
            Thread.Sleep(delay);
            return inner.Fit(input);
        }

        public SchemaShape GetOutputSchema(SchemaShape inputSchema) => inner.GetOutputSchema(inputSchema);
    }

    [Fact]
    public void Bad_inputs_give_clear_errors()
    {
        var ml = new MLContext(1);
        var data = Tickets(ml, 20);
        var compare = ml.MulticlassClassification;
        Assert.Contains("Candidates is empty", Assert.Throws<ArgumentException>(() =>
            compare.CompareModels(data, "Text", nameof(Ticket.Queue), new ModelComparisonOptions { Candidates = [] })).Message);
        Assert.Contains("'Category'", Assert.Throws<ArgumentOutOfRangeException>(() => compare.CompareModels(data, "Text", "Category")).Message);
        Assert.Contains("NumberOfFolds", Assert.Throws<ArgumentOutOfRangeException>(() =>
            compare.CompareModels(data, "Text", nameof(Ticket.Queue), new ModelComparisonOptions { NumberOfFolds = 1 })).Message);
        Assert.Contains("'Body'", Assert.Throws<ArgumentOutOfRangeException>(() => compare.CompareModels(data, "Body", nameof(Ticket.Queue))).Message);
        Assert.Contains("two candidates named", Assert.Throws<ArgumentException>(() => compare.CompareModels(data, "Text", nameof(Ticket.Queue),
            new ModelComparisonOptions { Candidates = [ModelCandidate.SdcaMaximumEntropy(), ModelCandidate.SdcaMaximumEntropy()] })).Message);
    }

    private sealed class SynchronousProgress(Action<ComparisonProgress> report) : IProgress<ComparisonProgress>
    {
        public void Report(ComparisonProgress value) => report(value);
    }
}

public class RandomSearchTests
{
    [Fact]
    public void Samples_stay_in_the_declared_space_and_cover_it()
    {
        var random = new Random(1);
        var seen = Enumerable.Range(0, 300).Select(_ =>
        {
            var o = new TransformerEncoderOptions();
            RandomSearch.Sample(o, random);
            return o;
        }).ToList();
        Assert.All(seen, o => Assert.InRange(o.LearningRate, 1e-4, 3e-3));
        Assert.All(seen, o => Assert.InRange(o.Dropout, 0, 0.3));
        Assert.Equal([16, 32, 64], seen.Select(o => o.BatchSize).Distinct().Order());
        Assert.Equal([64, 128, 256], seen.Select(o => o.Width).Distinct().Order());
        Assert.Equal([1, 2, 3, 4], seen.Select(o => o.NumberOfLayers).Distinct().Order());
        // Log-uniform: about as many learning rates below the geometric middle (~5.5e-4) as above it.
        Assert.InRange(seen.Count(o => o.LearningRate < Math.Sqrt(1e-4 * 3e-3)), 110, 190);
    }

    [Fact]
    public void Search_candidates_are_seeded_named_by_their_values_and_compared()
    {
        var first = ModelCandidate.Search<TransformerEncoderOptions>(4, seed: 3).Select(c => c.Name).ToArray();
        Assert.Equal(first, ModelCandidate.Search<TransformerEncoderOptions>(4, seed: 3).Select(c => c.Name));
        Assert.NotEqual(first, ModelCandidate.Search<TransformerEncoderOptions>(4, seed: 4).Select(c => c.Name));
        Assert.Equal("TransformerEncoder #1 (defaults)", first[0]);
        Assert.Equal(4, first.Distinct().Count());
        Assert.All(first.Skip(1), name => Assert.Contains("LearningRate=", name));

        // The estimator a searched candidate builds carries the values its name shows.
        var ml = new MLContext(1);
        var candidate = ModelCandidate.Search<StaircaseOptions>(2, seed: 5)[1];
        var trainer = (DeepTextTrainer<StaircaseOptions>)candidate.Create(new CandidateContext(ml, "Text", "Label", default));
        Assert.Contains($"ChunkSize={trainer.Options.ChunkSize},", candidate.Name);
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"LearningRate={trainer.Options.LearningRate}"), candidate.Name);

        var tiny = Synthetic.TinyOptions();
        var result = ml.MulticlassClassification.CompareModels(ml.Data.LoadFromEnumerable(Synthetic.Tickets(200, seed: 12)), "Text", nameof(Ticket.Queue),
            new ModelComparisonOptions
            {
                Candidates = ModelCandidate.Search<TransformerEncoderOptions>(2, seed: 3, o => { o.MaxTokens = tiny.MaxTokens; o.MaxEpochs = 3; o.MlpRatio = 0.5; }),
                RefitBest = false,
            });
        Assert.Equal(2, result.Leaderboard.Count(r => r.Status == CandidateStatus.Completed && r.EnsembleWeights is null));   // and their ensemble
        Assert.Contains("#2 (", result.ToMarkdown());
    }
}
