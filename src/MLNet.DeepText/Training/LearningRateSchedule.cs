namespace MLNet.DeepText.Training;

/// <summary>Linear warm-up from 0 to the peak, then cosine decay to zero at <c>totalSteps</c> or a constant rate.</summary>
internal static class LearningRateSchedule
{
    public static double At(LearningRateDecay decay, int step, int totalSteps, int warmupSteps, double peak)
    {
        if (warmupSteps > 0 && step < warmupSteps) return peak * (step + 1) / warmupSteps;
        if (decay == LearningRateDecay.None) return peak;
        double progress = Math.Clamp((double)(step - warmupSteps) / Math.Max(1, totalSteps - warmupSteps), 0, 1);
        return peak * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
