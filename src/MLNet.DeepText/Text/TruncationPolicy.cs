namespace MLNet.DeepText;

/// <summary>Which tokens to keep when a text has more than <c>MaxTokens</c> tokens.</summary>
public enum TruncationPolicy
{
    /// <summary>Keep the first tokens.</summary>
    Head,
    /// <summary>Keep the last tokens.</summary>
    Tail,
    /// <summary>Keep the first quarter and the last three quarters of the budget (head+tail truncation, Sun et al. 2019).</summary>
    HeadAndTail,
}
