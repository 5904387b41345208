using System.Diagnostics;
using MLNet.DeepText.Models;
using MLNet.DeepText.Synthetic;
using MLNet.DeepText.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNet.DeepText.Benchmarks;

/// <summary>
/// VarTrack in the staircase paper's regime: dense labels. After every statement (at its <c>;</c>) a linear head on
/// the encoder's token state predicts the values of x, y and z (0 = unassigned, 1…10), so a model is told what the
/// state is about every 5 tokens instead of once per program. The encoders run causally, so a statement's state
/// sees nothing after it. Scored like the end-only task: the queried variable's value at the last statement.
/// Benchmark-only code (the public classifier learns from one label per text).
/// </summary>
internal static class DenseVarTrack
{
    private const int Values = 11;   // 0 (unassigned) and 1…10

    private sealed record Program(long[] Ids, int[] Ends, int[][] States, int Query, int Label);

    public static (double Accuracy, double StatementAccuracy, double TrainSeconds, int Epochs, double TokensPerSecond, long Parameters)
        Run(Func<int, EncoderSpec> specForVocabulary, List<SyntheticExample> train, List<SyntheticExample> test, int maxEpochs, double budgetMinutes,
            double learningRate, int batchSize, int seed, Action<string> log)
    {
        torch.manual_seed(seed);
        using var random = TorchRandom.Use(seed, CPU);   // dropout masks
        var rng = new Random(seed);
        var vocabulary = train.SelectMany(e => e.Text.Split(' ')).Distinct().Order(StringComparer.Ordinal)
            .Select((w, i) => (w, i)).ToDictionary(x => x.w, x => (long)(x.i + ReservedTokenIds.Count));
        Program Encode(SyntheticExample e)
        {
            var tokens = e.Text.Split(' ');
            var states = VarTrack.StatesAfterEachStatement(e.Text);
            return new Program(tokens.Select(t => vocabulary.GetValueOrDefault(t, ReservedTokenIds.Unknown)).ToArray(),
                states.Select(s => s.TokenIndex).ToArray(), states.Select(s => s.Values).ToArray(),
                Array.IndexOf(VarTrack.Variables, tokens[^1]), int.Parse(e.Label));
        }
        var fit = train.Select(Encode).ToList();
        var testSet = test.Select(Encode).ToList();
        var spec = specForVocabulary(vocabulary.Count + ReservedTokenIds.Count);

        using var encoder = spec.Build();
        using var head = nn.Linear(spec.StateWidth, VarTrack.Variables.Length * Values);
        var parameters = encoder.named_parameters().Select(p => (p.parameter, p.parameter.dim() >= 2))
            .Concat(head.parameters().Select(p => (p, p.dim() >= 2))).ToList();
        using var optimizer = new AdamW(parameters, learningRate, 0.01);
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        int epoch = 0, step = 0;
        while (epoch < maxEpochs && clock.Elapsed.TotalMinutes < budgetMinutes)
        {
            epoch++;
            encoder.train();
            double lossSum = 0; int steps = 0;
            var order = fit.Select((_, i) => i).OrderBy(_ => rng.Next()).Chunk(batchSize * 50)
                .SelectMany(w => w.OrderBy(i => fit[i].Ids.Length).Chunk(batchSize)).OrderBy(_ => rng.Next()).ToList();
            foreach (var batch in order)
            {
                if (clock.Elapsed.TotalMinutes >= budgetMinutes) break;
                using var scope = NewDisposeScope();
                optimizer.LearningRate = learningRate * Math.Min(1.0, (step + 1) / 100.0);   // 100 warm-up steps, then constant (as in the paper)
                optimizer.ZeroGrad();
                var (logits, targets) = StatementLogits(encoder, head, batch.Select(i => fit[i]).ToList(), all: true);
                var loss = nn.functional.cross_entropy(logits.view(-1, Values), targets.view(-1));
                loss.backward();
                nn.utils.clip_grad_norm_(parameters.Select(p => p.Item1).ToArray(), 1.0);
                optimizer.Step();
                lossSum += loss.item<float>(); steps++; step++;
                tokens += batch.Sum(i => fit[i].Ids.Length);
            }
            var (accuracy, statements) = Evaluate(encoder, head, testSet.Take(500).ToList());
            log($"dense epoch {epoch}: loss {lossSum / Math.Max(1, steps):F4}, end accuracy {accuracy:F4}, statement accuracy {statements:F4} (first 500 test rows), {clock.Elapsed.TotalSeconds:F0} s");
        }
        double trainSeconds = clock.Elapsed.TotalSeconds;
        var (testAccuracy, statementAccuracy) = Evaluate(encoder, head, testSet);
        return (testAccuracy, statementAccuracy, trainSeconds, epoch, tokens / trainSeconds,
            encoder.parameters().Sum(p => p.numel()) + head.parameters().Sum(p => p.numel()));
    }

    /// <summary>Logits [N, 3, 11] at the statement ends of <paramref name="batch"/> (every statement, or the last of each program) and their targets [N, 3].</summary>
    private static (Tensor Logits, Tensor Targets) StatementLogits(Encoder encoder, nn.Module<Tensor, Tensor> head, List<Program> batch, bool all)
    {
        var (ids, mask) = Collate.Pad(batch.Select(p => p.Ids).ToList(), Enumerable.Range(0, batch.Count).ToArray(), CPU);
        var (states, outputMask) = encoder.call(ids, mask);
        // Where each program's tokens ended up: the encoder may move them (the staircase aligns them to the right).
        var realMask = outputMask.cpu().data<bool>().ToArray();
        long width = outputMask.shape[1];
        var rows = new List<long>();
        var targets = new List<long>();
        for (int b = 0; b < batch.Count; b++)
        {
            var positions = Enumerable.Range(0, (int)width).Where(t => realMask[b * width + t]).ToArray();
            var p = batch[b];
            foreach (int s in all ? Enumerable.Range(0, p.Ends.Length) : [p.Ends.Length - 1])
            {
                rows.Add(b * width + positions[p.Ends[s]]);
                targets.AddRange(p.States[s].Select(v => (long)v));
            }
        }
        var picked = states.reshape(-1, states.shape[2]).index_select(0, tensor(rows.ToArray()));
        return (head.call(picked).view(-1, VarTrack.Variables.Length, Values), tensor(targets.ToArray()).view(-1, VarTrack.Variables.Length));
    }

    /// <summary>End accuracy (the queried variable at the last statement) and statement accuracy (every variable after every statement).</summary>
    private static (double End, double Statements) Evaluate(Encoder encoder, nn.Module<Tensor, Tensor> head, List<Program> rows)
    {
        encoder.eval();
        int endCorrect = 0; long statementCorrect = 0, statementCount = 0;
        using var _ = no_grad();
        for (int start = 0; start < rows.Count; start += 64)
        {
            using var scope = NewDisposeScope();
            var batch = rows.Skip(start).Take(64).ToList();
            var (logits, targets) = StatementLogits(encoder, head, batch, all: true);
            var predicted = logits.argmax(2);
            statementCorrect += predicted.eq(targets).sum().item<long>();
            statementCount += targets.numel();
            var p = predicted.cpu().data<long>().ToArray();
            int row = 0;
            foreach (var program in batch)
            {
                row += program.Ends.Length;
                if (p[(row - 1) * VarTrack.Variables.Length + program.Query] == program.Label) endCorrect++;
            }
        }
        return ((double)endCorrect / rows.Count, (double)statementCorrect / statementCount);
    }
}
