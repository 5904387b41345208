namespace MLNet.DeepText;

/// <summary>The model ids every vocabulary reserves before its tokens (shared by the text layer and the models).</summary>
internal static class ReservedTokenIds
{
    /// <summary>Padding; never produced for a real token.</summary>
    public const int Pad = 0;
    /// <summary>Every token that is not in the vocabulary.</summary>
    public const int Unknown = 1;
    /// <summary>The classification token that encoders with a class token add.</summary>
    public const int Classification = 2;
    /// <summary>Number of reserved ids.</summary>
    public const int Count = 3;
}
