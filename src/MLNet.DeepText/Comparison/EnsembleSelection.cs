namespace MLNet.DeepText;

/// <summary>
/// Greedy ensemble selection with replacement (Caruana, Niculescu-Mizil, Crew and Ksikes, ICML 2004; AutoGluon's
/// weighted ensemble): start from the best single model, then repeatedly add (again, if it helps most) the model whose
/// class probabilities, averaged with those already chosen, score best on held-out rows. A model's weight is the share
/// of the rounds that chose it; the ensemble kept is the best one seen in any round, so on the rows it was chosen on it
/// is never worse than the best single model. Written by hand: ML.NET has no ensemble of fitted pipelines, and the
/// method is a dozen lines.
/// </summary>
internal static class EnsembleSelection
{
    /// <summary>Rounds of selection (AutoGluon's default is 25; more rounds only refine the weights).</summary>
    public const int Rounds = 25;

    /// <summary>
    /// Weights (summing to one) of the models whose <paramref name="probabilities"/> ([model][row][class]) best predict
    /// <paramref name="labels"/> (0-based classes) under <paramref name="metric"/>, ties broken by log-loss.
    /// </summary>
    public static double[] Select(IReadOnlyList<float[][]> probabilities, int[] labels, ComparisonMetric metric)
    {
        int models = probabilities.Count, rows = labels.Length, classes = probabilities[0].Length == 0 ? 0 : probabilities[0][0].Length;
        var counts = new int[models];
        var sum = new double[rows][];
        for (int r = 0; r < rows; r++) sum[r] = new double[classes];
        double[] best = [];
        var bestScore = (Primary: double.NegativeInfinity, LogLoss: double.PositiveInfinity);
        for (int round = 1; round <= Rounds; round++)
        {
            int choice = 0;
            var choiceScore = (Primary: double.NegativeInfinity, LogLoss: double.PositiveInfinity);
            for (int m = 0; m < models; m++)
            {
                var candidate = Score(r => Average(sum[r], probabilities[m][r], round), labels, classes, metric);
                if (IsBetter(candidate, choiceScore)) (choice, choiceScore) = (m, candidate);
            }
            counts[choice]++;
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < classes; c++) sum[r][c] += probabilities[choice][r][c];
            if (IsBetter(choiceScore, bestScore)) (bestScore, best) = (choiceScore, counts.Select(n => (double)n / round).ToArray());
        }
        return best;
    }

    /// <summary>
    /// The ensemble's probabilities for every row, each row's from weights chosen on the other
    /// <paramref name="parts"/> only (row indices; together they hold every row once): an honest estimate of how the
    /// ensemble does on rows it has not seen.
    /// </summary>
    public static float[][] CrossFitted(IReadOnlyList<float[][]> probabilities, int[] labels, int[][] parts, ComparisonMetric metric)
    {
        var result = new float[labels.Length][];
        foreach (var part in parts)
        {
            var others = parts.Where(p => p != part).SelectMany(p => p).ToArray();
            var weights = Select([.. probabilities.Select(m => others.Select(r => m[r]).ToArray())], [.. others.Select(r => labels[r])], metric);
            var combined = Combine([.. probabilities.Select(m => part.Select(r => m[r]).ToArray())], weights);
            for (int i = 0; i < part.Length; i++) result[part[i]] = combined[i];
        }
        return result;
    }

    /// <summary>The weighted average of the models' probabilities for each row.</summary>
    public static float[][] Combine(IReadOnlyList<float[][]> probabilities, IReadOnlyList<double> weights)
    {
        int rows = probabilities[0].Length;
        var combined = new float[rows][];
        for (int r = 0; r < rows; r++)
        {
            var row = new double[probabilities[0][r].Length];
            for (int m = 0; m < probabilities.Count; m++)
                if (weights[m] > 0)
                    for (int c = 0; c < row.Length; c++) row[c] += weights[m] * probabilities[m][r][c];
            combined[r] = row.Select(v => (float)v).ToArray();
        }
        return combined;
    }

    private static double[] Average(double[] sum, float[] added, int count)
    {
        var average = new double[sum.Length];
        for (int c = 0; c < sum.Length; c++) average[c] = (sum[c] + added[c]) / count;
        return average;
    }

    private static bool IsBetter((double Primary, double LogLoss) a, (double Primary, double LogLoss) b) =>
        a.Primary > b.Primary + 1e-12 || (Math.Abs(a.Primary - b.Primary) <= 1e-12 && a.LogLoss < b.LogLoss - 1e-12);

    /// <summary>(<paramref name="metric"/>, higher is better; log-loss) of the predictions <paramref name="predict"/>(row).</summary>
    private static (double Primary, double LogLoss) Score(Func<int, double[]> predict, int[] labels, int classes, ComparisonMetric metric)
    {
        var confusion = new long[classes, classes];   // [true, predicted]
        double logLoss = 0;
        for (int r = 0; r < labels.Length; r++)
        {
            var p = predict(r);
            int predicted = 0;
            for (int c = 1; c < classes; c++) if (p[c] > p[predicted]) predicted = c;
            confusion[labels[r], predicted]++;
            logLoss -= Math.Log(Math.Max(p[labels[r]], 1e-15));
        }
        logLoss /= Math.Max(1, labels.Length);
        double primary = metric switch
        {
            ComparisonMetric.LogLoss => -logLoss,
            ComparisonMetric.MacroAccuracy => PerClass(confusion, classes, (tp, support, _) => tp / support),
            ComparisonMetric.MacroF1 => PerClass(confusion, classes, (tp, support, predicted) => tp == 0 ? 0 : 2 * tp / (support + predicted)),
            _ => Enumerable.Range(0, classes).Sum(c => (double)confusion[c, c]) / Math.Max(1, labels.Length),
        };
        return (primary, logLoss);
    }

    /// <summary>The mean of <paramref name="perClass"/>(true positives, support, predicted) over the classes present.</summary>
    private static double PerClass(long[,] confusion, int classes, Func<double, double, double, double> perClass)
    {
        var values = new List<double>();
        for (int c = 0; c < classes; c++)
        {
            double support = 0, predicted = 0;
            for (int o = 0; o < classes; o++) { support += confusion[c, o]; predicted += confusion[o, c]; }
            if (support > 0) values.Add(perClass(confusion[c, c], support, predicted));
        }
        return values.Count == 0 ? 0 : values.Average();
    }
}
