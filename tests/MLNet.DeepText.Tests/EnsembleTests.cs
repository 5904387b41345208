using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNet.DeepText.Tests;

/// <summary>The comparison's weighted ensemble: greedy selection, honest scoring, and the fitted ensemble as one ML.NET model.</summary>
public class EnsembleTests
{
    private static float[][] Rows(params float[][] rows) => rows;

    [Fact]
    public void Selection_gives_weights_that_sum_to_one_and_a_mix_of_complementary_models_beats_each()
    {
        // Four rows, two classes. Model A is right and sure on rows 0-1 and unsure-wrong on rows 2-3; model B the opposite; C is always wrong.
        int[] labels = [0, 0, 1, 1];
        var a = Rows([0.9f, 0.1f], [0.9f, 0.1f], [0.6f, 0.4f], [0.6f, 0.4f]);
        var b = Rows([0.4f, 0.6f], [0.4f, 0.6f], [0.1f, 0.9f], [0.1f, 0.9f]);
        var c = Rows([0.1f, 0.9f], [0.1f, 0.9f], [0.9f, 0.1f], [0.9f, 0.1f]);

        var weights = EnsembleSelection.Select([a, b, c], labels, ComparisonMetric.MicroAccuracy);
        Assert.Equal(1.0, weights.Sum(), 12);
        Assert.Equal(0.0, weights[2]);
        Assert.True(weights[0] > 0 && weights[1] > 0, string.Join(", ", weights));
        var mixed = EnsembleSelection.Combine([a, b, c], weights);
        Assert.All(Enumerable.Range(0, 4), r => Assert.Equal(labels[r], Array.IndexOf(mixed[r], mixed[r].Max())));   // each model alone gets 2 of 4
        Assert.Equal(1.0, ModelComparisonCatalog.EvaluateScores(new MLContext(1), mixed, labels).MicroAccuracy);
        Assert.Equal(0.5, ModelComparisonCatalog.EvaluateScores(new MLContext(1), a, labels).MicroAccuracy);

        Assert.Equal([1.0], EnsembleSelection.Select([a], labels, ComparisonMetric.LogLoss));
    }

    [Fact]
    public void Each_row_is_scored_by_weights_chosen_on_the_other_rows_only()
    {
        // A is right on part 0 and wrong on part 1, B the opposite. Weights chosen on part 1 pick B, which is wrong on
        // part 0, and the other way round: the honest estimate is 0 % although a model exists that is right everywhere
        // on the rows it is chosen on. Had the selection seen the rows it scores, it would report 100 %.
        int[] labels = [0, 0, 1, 1];
        var a = Rows([0.9f, 0.1f], [0.9f, 0.1f], [0.9f, 0.1f], [0.9f, 0.1f]);
        var b = Rows([0.1f, 0.9f], [0.1f, 0.9f], [0.1f, 0.9f], [0.1f, 0.9f]);
        var crossFitted = EnsembleSelection.CrossFitted([a, b], labels, [[0, 1], [2, 3]], ComparisonMetric.MicroAccuracy);
        Assert.All(Enumerable.Range(0, 4), r => Assert.NotEqual(labels[r], Array.IndexOf(crossFitted[r], crossFitted[r].Max())));
    }

    /// <summary>FeaturizeText + SDCA on one thread (with more, two fits of the same data differ slightly).</summary>
    private static ModelCandidate Sdca(string name, float l2) => ModelCandidate.Custom(name, c =>
        c.MLContext.Transforms.Text.FeaturizeText("F", c.TextColumnName)
            .Append(c.MLContext.MulticlassClassification.Trainers.SdcaMaximumEntropy(new Microsoft.ML.Trainers.SdcaMaximumEntropyMulticlassTrainer.Options
            {
                LabelColumnName = c.LabelColumnName, FeatureColumnName = "F", L2Regularization = l2, NumberOfThreads = 1,
            })));

    private sealed class TextOnly
    {
        public string Text { get; set; } = "";
    }

    private sealed class Prediction
    {
        public string PredictedLabel { get; set; } = "";
        public float[] Score { get; set; } = [];
    }

    [Fact]
    public void The_comparison_has_an_ensemble_row_and_its_best_model_scores_rows_without_a_label()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Synthetic.Tickets(300, seed: 11));
        var result = ml.MulticlassClassification.CompareModels(data, "Text", nameof(Ticket.Queue),
            new ModelComparisonOptions { Candidates = [Sdca("strong", 1e-4f), Sdca("weak", 5f), ModelCandidate.LbfgsMaximumEntropy()], NumberOfFolds = 3 });
        var ensemble = result.Leaderboard.Single(r => r.Candidate == ModelComparisonCatalog.EnsembleName);
        Assert.Equal(CandidateStatus.Completed, ensemble.Status);
        Assert.Equal(1.0, ensemble.EnsembleWeights!.Values.Sum(), 9);
        Assert.Equal(3, ensemble.FoldMetrics.Count);
        Assert.True(ensemble.MicroAccuracy > 0.9, $"ensemble accuracy {ensemble.MicroAccuracy}");
        Assert.Contains($"{ModelComparisonCatalog.EnsembleName} (", result.ToMarkdown());

        using var best = (IDisposable)result.BestModel!;
        var engine = ml.Model.CreatePredictionEngine<TextOnly, Prediction>(result.BestModel!);
        Assert.Equal("billing", engine.Predict(new TextOnly { Text = "please refund the invoice" }).PredictedLabel);
        Assert.Equal(300, result.BestModel!.Transform(ml.Data.LoadFromEnumerable(Synthetic.Tickets(300, seed: 11).Select(t => new TextOnly { Text = t.Text! })))
            .GetColumn<string>("PredictedLabel").Count());

        Assert.Throws<ArgumentException>(() => ml.MulticlassClassification.CompareModels(data, "Text", nameof(Ticket.Queue),
            new ModelComparisonOptions { Candidates = [Sdca(ModelComparisonCatalog.EnsembleName, 1e-4f)] }));
    }

    [Fact]
    public void A_fitted_ensemble_is_one_model_that_saves_and_loads_and_an_ensemble_of_one_equals_its_member()
    {
        var ml = new MLContext(1);
        var rows = Synthetic.Tickets(200, seed: 3);
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label", nameof(Ticket.Queue)).Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        // ML.NET's trainers draw their seeds from the context, fit after fit: each model below is fitted in a fresh
        // context in the same order as inside the ensemble, so the member models are the same.
        CandidateContext Context() => new(new MLContext(1), "Text", "Label", default);
        var testRows = Synthetic.Tickets(30, seed: 4);
        var test = ml.Data.LoadFromEnumerable(testRows);
        float[][] Scores(ITransformer m) => m.Transform(test).GetColumn<float[]>("Score").ToArray();
        var (strong, weak) = (Sdca("strong", 1e-4f), Sdca("weak", 5f));

        var alone = Scores(strong.Create(Context()).Fit(keyed));
        var one = ModelComparisonCatalog.FitEnsemble(ml, [(strong, 1.0)], Context(), keyed);
        Assert.Equal(alone, Scores(one));

        var pair = ModelComparisonCatalog.FitEnsemble(ml, [(strong, 0.25), (weak, 0.75)], Context(), keyed);
        var second = Context();
        strong.Create(second).Fit(keyed);
        var weakAlone = Scores(weak.Create(second).Fit(keyed));
        var mixed = Scores(pair);
        for (int r = 0; r < mixed.Length; r++)
            for (int c = 0; c < mixed[r].Length; c++) Assert.Equal(0.25 * alone[r][c] + 0.75 * weakAlone[r][c], mixed[r][c], 5);
        var predicted = pair.Transform(test).GetColumn<uint>("PredictedLabel").ToArray();
        Assert.All(Enumerable.Range(0, mixed.Length), r => Assert.Equal((uint)Array.IndexOf(mixed[r], mixed[r].Max()) + 1, predicted[r]));

        Assert.Equal(mixed, Child.Scores(pair, test.Schema, testRows));
    }
}
