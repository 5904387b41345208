namespace MLNet.DeepText.Synthetic;

/// <summary>One generated example: a text to classify and its label.</summary>
/// <param name="Text">Space-separated tokens.</param>
/// <param name="Label">The class, as text (use <c>MapValueToKey</c>).</param>
public sealed record SyntheticExample(string Text, string Label);

/// <summary>Settings of <see cref="VarTrack"/>.</summary>
public sealed record VarTrackOptions
{
    /// <summary>Fewest statements per program, ≥ 1. Default 30.</summary>
    public int MinStatements { get; init; } = 30;
    /// <summary>Most statements per program, ≥ <see cref="MinStatements"/>. Default 50.</summary>
    public int MaxStatements { get; init; } = 50;
    /// <summary>Probability that a statement is a conditional, in [0, 1). 0 makes the task plain counting. Default 0.25.</summary>
    public double IfProbability { get; init; } = 0.25;

    internal void Validate()
    {
        if (MinStatements < 1) throw new ArgumentOutOfRangeException(nameof(MinStatements), MinStatements, "MinStatements must be at least 1.");
        if (MaxStatements < MinStatements)
            throw new ArgumentOutOfRangeException(nameof(MaxStatements), MaxStatements, $"MaxStatements must be at least MinStatements ({MinStatements}).");
        if (!(IfProbability >= 0 && IfProbability < 1)) throw new ArgumentOutOfRangeException(nameof(IfProbability), IfProbability, "IfProbability must be in [0, 1).");
    }
}

/// <summary>
/// VarTrack: the classification form of the algorithmic task of Staircase Attention (Ju et al., NeurIPS 2022).
/// A program over the variables x, y, z with values 1…10 is a sequence of statements, each drawn uniformly from
/// assignment (<c>v = n ;</c>), increment (<c>v ++ ;</c>), decrement (<c>v -- ;</c>) and, with probability
/// <see cref="VarTrackOptions.IfProbability"/>, a conditional (<c>if a &lt; b : v ++ ;</c>, comparing with another
/// variable or a constant) whose nested statement runs only when the condition holds. A statement whose
/// precondition fails (increment at 10, decrement at 1, assignment of an assigned variable, use of an unassigned one)
/// is drawn again. The program ends with <c>QUERY q</c> for an assigned q; the label is q's final value ("1"…"10").
/// Answering needs the state after every statement, which a bag of words cannot see.
/// <para>The same seed gives the same examples. <see cref="ShortcutAccuracy"/> measures two cheating rules (skip
/// every conditional, apply every conditional) that must stay far below a model that tracks the state.</para>
/// </summary>
public static class VarTrack
{
    /// <summary>The program's variables, in the order of <see cref="StatesAfterEachStatement"/>'s values.</summary>
    public static readonly string[] Variables = ["x", "y", "z"];

    /// <summary>Which conditionals an interpreter runs: the true semantics, or one of the two shortcut rules.</summary>
    public enum ConditionalRule
    {
        /// <summary>Run the nested statement when the condition holds (the task's semantics).</summary>
        Evaluate,
        /// <summary>Never run a nested statement.</summary>
        SkipAll,
        /// <summary>Always run the nested statement.</summary>
        ApplyAll,
    }

    /// <summary><paramref name="count"/> programs drawn with <paramref name="seed"/>.</summary>
    public static List<SyntheticExample> Generate(int count, int seed, VarTrackOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var o = options ?? new VarTrackOptions();
        o.Validate();
        var rng = new Random(seed);
        var examples = new List<SyntheticExample>(count);
        for (int i = 0; i < count; i++) examples.Add(GenerateOne(rng, o));
        return examples;
    }

    private static SyntheticExample GenerateOne(Random rng, VarTrackOptions o)
    {
        var state = new Dictionary<string, int>();
        var tokens = new List<string>();
        int statements = rng.Next(o.MinStatements, o.MaxStatements + 1);
        for (int s = 0; s < statements; s++)
        {
            if (state.Count > 0 && rng.NextDouble() < o.IfProbability)
            {
                var a = Assigned(state, rng);
                var others = state.Keys.Where(k => k != a).ToArray();
                bool withVariable = others.Length > 0 && rng.NextDouble() < 0.5;
                string right = withVariable ? others[rng.Next(others.Length)] : rng.Next(1, 11).ToString();
                int rightValue = withVariable ? state[right] : int.Parse(right);
                string op = rng.Next(2) == 0 ? "<" : ">";
                bool holds = op == "<" ? state[a] < rightValue : state[a] > rightValue;
                tokens.AddRange(["if", a, op, right, ":"]);
                // The nested statement is drawn from the current state; it changes the state only when the condition holds.
                var scratch = holds ? state : new Dictionary<string, int>(state);
                tokens.AddRange(SimpleStatement(scratch, rng));
            }
            else
            {
                tokens.AddRange(SimpleStatement(state, rng));
            }
        }
        var query = Assigned(state, rng);
        tokens.AddRange(["QUERY", query]);
        return new SyntheticExample(string.Join(' ', tokens), state[query].ToString());
    }

    /// <summary>An assignment, increment or decrement (uniformly, redrawn until its precondition holds), applied to <paramref name="state"/>.</summary>
    private static string[] SimpleStatement(Dictionary<string, int> state, Random rng)
    {
        while (true)
        {
            switch (rng.Next(3))
            {
                case 0:
                    var free = Variables.Where(v => !state.ContainsKey(v)).ToArray();
                    if (free.Length == 0) continue;
                    var v0 = free[rng.Next(free.Length)];
                    int n = rng.Next(1, 11);
                    state[v0] = n;
                    return [v0, "=", n.ToString(), ";"];
                case 1:
                    var up = state.Where(kv => kv.Value < 10).Select(kv => kv.Key).Order().ToArray();
                    if (up.Length == 0) continue;
                    var v1 = up[rng.Next(up.Length)];
                    state[v1]++;
                    return [v1, "++", ";"];
                default:
                    var down = state.Where(kv => kv.Value > 1).Select(kv => kv.Key).Order().ToArray();
                    if (down.Length == 0) continue;
                    var v2 = down[rng.Next(down.Length)];
                    state[v2]--;
                    return [v2, "--", ";"];
            }
        }
    }

    private static string Assigned(Dictionary<string, int> state, Random rng)
    {
        var keys = state.Keys.Order().ToArray();
        return keys[rng.Next(keys.Length)];
    }

    /// <summary>
    /// Runs a program's text and returns the queried variable's final value as text, with conditionals treated by
    /// <paramref name="rule"/>; null when the query's variable has no value (possible under a shortcut rule).
    /// </summary>
    /// <exception cref="FormatException">The text is not a VarTrack program.</exception>
    public static string? Run(string program, ConditionalRule rule = ConditionalRule.Evaluate) => Execute(program, rule, null);

    /// <summary>
    /// The paper's dense supervision: after every statement (at its <c>;</c> token, by token index), the values of x, y
    /// and z (0 while unassigned). The last entry is the state the <c>QUERY</c> asks about.
    /// </summary>
    /// <exception cref="FormatException">The text is not a VarTrack program.</exception>
    public static List<(int TokenIndex, int[] Values)> StatesAfterEachStatement(string program)
    {
        var states = new List<(int, int[])>();
        Execute(program, ConditionalRule.Evaluate, (index, state) => states.Add((index, Variables.Select(v => state.GetValueOrDefault(v)).ToArray())));
        return states;
    }

    private static string? Execute(string program, ConditionalRule rule, Action<int, Dictionary<string, int>>? statementEnd)
    {
        var t = program.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var state = new Dictionary<string, int>();
        int i = 0;
        while (i < t.Length)
        {
            if (t[i] == "QUERY")
            {
                if (i + 2 != t.Length) throw new FormatException($"QUERY must be followed by exactly one variable (token {i}).");
                return state.TryGetValue(t[i + 1], out var value) ? value.ToString() : null;
            }
            bool run = true;
            if (t[i] == "if")
            {
                if (i + 5 > t.Length || t[i + 4] != ":") throw new FormatException($"Malformed conditional at token {i}.");
                int left = Value(state, t[i + 1]), right = int.TryParse(t[i + 3], out var c) ? c : Value(state, t[i + 3]);
                bool holds = t[i + 2] switch
                {
                    "<" => left < right,
                    ">" => left > right,
                    _ => throw new FormatException($"Unknown comparison '{t[i + 2]}' at token {i + 2}."),
                };
                run = rule switch { ConditionalRule.SkipAll => false, ConditionalRule.ApplyAll => true, _ => holds };
                i += 5;
            }
            if (i + 2 > t.Length) throw new FormatException($"Incomplete statement at token {i}.");
            var v = t[i];
            switch (t[i + 1])
            {
                case "=":
                    if (run) state[v] = int.Parse(t[i + 2]);
                    i += 4;
                    statementEnd?.Invoke(i - 1, state);
                    break;
                case "++":
                    if (run) state[v] = Value(state, v) + 1;
                    i += 3;
                    statementEnd?.Invoke(i - 1, state);
                    break;
                case "--":
                    if (run) state[v] = Value(state, v) - 1;
                    i += 3;
                    statementEnd?.Invoke(i - 1, state);
                    break;
                default:
                    throw new FormatException($"Unknown statement '{v} {t[i + 1]}' at token {i}.");
            }
        }
        throw new FormatException("The program has no QUERY.");
    }

    // A shortcut rule can reach a variable the real program never assigned; it then counts from 0.
    private static int Value(Dictionary<string, int> state, string variable) => state.GetValueOrDefault(variable);

    /// <summary>
    /// Accuracy of the two cheating rules on <paramref name="examples"/>: ignoring every conditional, and applying
    /// every conditional's statement. A model that really tracks the state must do far better than both.
    /// </summary>
    public static (double SkipEveryIf, double ApplyEveryIf) ShortcutAccuracy(IReadOnlyCollection<SyntheticExample> examples)
    {
        if (examples.Count == 0) throw new ArgumentException("No examples.", nameof(examples));
        double skip = examples.Count(e => Run(e.Text, ConditionalRule.SkipAll) == e.Label);
        double apply = examples.Count(e => Run(e.Text, ConditionalRule.ApplyAll) == e.Label);
        return (skip / examples.Count, apply / examples.Count);
    }
}

/// <summary>
/// RingWalk: a walk on a ring of 10 positions starting at 0, one move per token (<c>L</c> left, <c>R</c> right,
/// <c>S</c> stay, uniformly); the label is the final position ("0"…"9"). A bring-up task for recurrent models:
/// the answer is a running sum modulo 10, which needs every token in order.
/// </summary>
public static class RingWalk
{
    /// <summary>Positions on the ring.</summary>
    public const int RingSize = 10;

    /// <summary><paramref name="count"/> walks of <paramref name="minMoves"/> to <paramref name="maxMoves"/> moves, drawn with <paramref name="seed"/>.</summary>
    public static List<SyntheticExample> Generate(int count, int seed, int minMoves = 64, int maxMoves = 256)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (minMoves < 1) throw new ArgumentOutOfRangeException(nameof(minMoves), minMoves, "minMoves must be at least 1.");
        if (maxMoves < minMoves) throw new ArgumentOutOfRangeException(nameof(maxMoves), maxMoves, $"maxMoves must be at least minMoves ({minMoves}).");
        var rng = new Random(seed);
        var examples = new List<SyntheticExample>(count);
        for (int i = 0; i < count; i++)
        {
            var moves = new string[rng.Next(minMoves, maxMoves + 1)];
            for (int m = 0; m < moves.Length; m++) moves[m] = "LRS"[rng.Next(3)].ToString();
            examples.Add(new SyntheticExample(string.Join(' ', moves), Position(moves).ToString()));
        }
        return examples;
    }

    /// <summary>The final position of a walk.</summary>
    public static int Position(IEnumerable<string> moves) =>
        moves.Aggregate(0, (p, m) => m switch
        {
            "L" => (p + RingSize - 1) % RingSize,
            "R" => (p + 1) % RingSize,
            "S" => p,
            _ => throw new FormatException($"Unknown move '{m}'; moves are L, R and S."),
        });
}
