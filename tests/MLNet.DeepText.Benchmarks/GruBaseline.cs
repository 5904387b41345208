using System.Diagnostics;
using MLNet.DeepText.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLNet.DeepText.Benchmarks;

/// <summary>
/// The recurrent peer the staircase must match on state tracking: word embedding, a 2-layer GRU, and a linear layer on
/// the top layer's state at the last real token. Written here rather than as a DeepText family because it is only a
/// yardstick: whitespace tokens, a vocabulary from the training rows, Adam with gradient clipping, 10% of the training
/// rows held out for early stopping on accuracy (patience 5 by default), and a wall-clock budget.
/// </summary>
public static class GruBaseline
{
    private sealed class Net : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly Embedding embedding;
        private readonly GRU gru;
        private readonly Linear head;

        public Net(int vocabulary, int width, int layers, int classes) : base("Gru")
        {
            embedding = nn.Embedding(vocabulary, width, padding_idx: 0);
            gru = nn.GRU(width, width, numLayers: layers, batchFirst: true);
            head = nn.Linear(width, classes);
            RegisterComponents();
        }

        /// <summary>ids [B, T] right-padded with 0, lengths [B] → logits [B, classes].</summary>
        public override Tensor forward(Tensor ids, Tensor lengths)
        {
            var (output, _) = gru.forward(embedding.forward(ids));
            var last = lengths.sub(1).view(-1, 1, 1).expand(-1, 1, output.shape[2]);
            return head.forward(output.gather(1, last).squeeze(1));
        }
    }

    /// <summary>Trains on <paramref name="train"/>, evaluates on <paramref name="test"/> and returns the table row's figures.</summary>
    public static (double Accuracy, double MacroF1, double LogLoss, double TrainSeconds, int Epochs, double TokensPerSecond, double PredictionsPerSecond, long Parameters, string[] Predicted)
        Run(List<Row> train, List<Row> test, int width, int layers, int maxEpochs, double budgetMinutes, double learningRate, int batchSize, int seed, int patience = 5)
    {
        torch.manual_seed(seed);
        var rng = new Random(seed);
        var words = new Dictionary<string, int>();
        var labels = train.Select(r => r.Label).Distinct().Order(StringComparer.Ordinal).Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i);
        long[] Encode(string text, bool grow) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => (long)(words.TryGetValue(w, out var id) ? id : grow ? words[w] = words.Count + 2 : 1)).ToArray();   // 0 padding, 1 unknown
        var shuffled = train.OrderBy(_ => rng.Next()).ToList();
        int validationCount = shuffled.Count / 10;
        var fit = shuffled.Skip(validationCount).Select(r => (Ids: Encode(r.Text, true), Label: labels[r.Label])).ToList();
        var validation = shuffled.Take(validationCount).Select(r => (Ids: Encode(r.Text, false), Label: labels[r.Label])).ToList();
        var testSet = test.Select(r => (Ids: Encode(r.Text, false), Label: labels.GetValueOrDefault(r.Label, -1))).ToList();

        using var net = new Net(words.Count + 2, width, layers, labels.Count);
        long parameters = net.parameters().Sum(p => p.numel());
        using var optimizer = optim.Adam(net.parameters(), learningRate);
        var clock = Stopwatch.StartNew();
        Dictionary<string, Tensor>? best = null;
        double bestAccuracy = -1;
        int epoch, sinceBest = 0;
        long tokens = 0;
        for (epoch = 1; epoch <= maxEpochs && clock.Elapsed.TotalMinutes < budgetMinutes; epoch++)
        {
            net.train();
            // Batches of similar lengths (sorted within shuffled windows of 50 batches), in random order.
            var order = fit.Select((_, i) => i).OrderBy(_ => rng.Next()).Chunk(batchSize * 50)
                .SelectMany(w => w.OrderBy(i => fit[i].Ids.Length).Chunk(batchSize)).OrderBy(_ => rng.Next()).ToList();
            foreach (var batch in order)
            {
                if (clock.Elapsed.TotalMinutes >= budgetMinutes) break;
                using var scope = NewDisposeScope();
                var (ids, lengths) = Pad(batch.Select(i => fit[i].Ids).ToList());
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(net.forward(ids, lengths), tensor(batch.Select(i => (long)fit[i].Label).ToArray()));
                loss.backward();
                nn.utils.clip_grad_norm_(net.parameters(), 1.0);
                optimizer.step();
                tokens += batch.Sum(i => fit[i].Ids.Length);
            }
            var (accuracy, _, _, _) = Evaluate(net, validation, labels.Count);
            Console.Error.WriteLine($"GRU epoch {epoch}: validation accuracy {accuracy:F4}, {clock.Elapsed.TotalSeconds:F0} s");
            if (accuracy > bestAccuracy)
            {
                bestAccuracy = accuracy; sinceBest = 0;
                if (best is not null) foreach (var t in best.Values) t.Dispose();
                best = net.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
            }
            else if (++sinceBest >= patience) { epoch++; break; }
        }
        double trainSeconds = clock.Elapsed.TotalSeconds;
        if (best is not null) { net.load_state_dict(best); foreach (var t in best.Values) t.Dispose(); }
        clock.Restart();
        var (testAccuracy, macroF1, logLoss, predicted) = Evaluate(net, testSet, labels.Count);
        var names = labels.OrderBy(kv => kv.Value).Select(kv => kv.Key).ToArray();
        return (testAccuracy, macroF1, logLoss, trainSeconds, epoch - 1, tokens / trainSeconds, testSet.Count / clock.Elapsed.TotalSeconds, parameters,
            predicted.Select(c => names[c]).ToArray());
    }

    /// <summary>Right-padded ids [B, T] and each row's length [B].</summary>
    private static (Tensor Ids, Tensor Lengths) Pad(List<long[]> sequences)
    {
        var (ids, mask) = Collate.Pad(sequences, Enumerable.Range(0, sequences.Count).ToArray(), CPU);
        return (ids, mask.sum(1, type: ScalarType.Int64));
    }

    /// <summary>Accuracy, macro-F1, log-loss (rows whose label the training set never had count as wrong) and each row's predicted class.</summary>
    private static (double Accuracy, double MacroF1, double LogLoss, int[] Predicted) Evaluate(Net net, List<(long[] Ids, int Label)> rows, int classes)
    {
        net.eval();
        var predicted = new int[rows.Count];
        double logLoss = 0;
        using (no_grad())
            for (int start = 0; start < rows.Count; start += 256)
            {
                using var scope = NewDisposeScope();
                var batch = rows.Skip(start).Take(256).ToList();
                var (ids, lengths) = Pad(batch.Select(r => r.Ids).ToList());
                var probabilities = nn.functional.softmax(net.forward(ids, lengths), 1).data<float>().ToArray();
                for (int i = 0; i < batch.Count; i++)
                {
                    var p = probabilities.AsSpan(i * classes, classes);
                    int argmax = 0;
                    for (int c = 1; c < classes; c++) if (p[c] > p[argmax]) argmax = c;
                    predicted[start + i] = argmax;
                    logLoss -= Math.Log(Math.Max(batch[i].Label >= 0 ? p[batch[i].Label] : 0, 1e-15));
                }
            }
        double f1Sum = 0;
        for (int c = 0; c < classes; c++)
        {
            int tp = rows.Where((r, i) => r.Label == c && predicted[i] == c).Count();
            int fp = predicted.Where((p, i) => p == c && rows[i].Label != c).Count();
            int fn = rows.Where((r, i) => r.Label == c && predicted[i] != c).Count();
            f1Sum += tp == 0 ? 0 : 2.0 * tp / (2 * tp + fp + fn);
        }
        return (rows.Where((r, i) => r.Label == predicted[i]).Count() / (double)rows.Count, f1Sum / classes, logLoss / rows.Count, predicted);
    }
}
