namespace MLNet.DeepText.Training;

/// <summary>
/// Lets the process exit cleanly while a model trains or scores on another thread. When the process ends (Main returns,
/// <c>Environment.Exit</c>, SIGTERM), libtorch's static destructors run while that thread may be inside a native
/// operation, which crashes the process (segmentation fault, or oneDNN's "could not execute a primitive" abort). Every
/// training step and scoring batch runs inside <see cref="Enter"/>; on exit, the handler waits (up to
/// <see cref="ExitWait"/>) for the running ones to finish, and threads that reach the gate afterwards wait there
/// until the process is gone instead of starting native work.
/// </summary>
internal static class ProcessExitGate
{
    /// <summary>The longest the exit waits for running steps.</summary>
    internal static readonly TimeSpan ExitWait = TimeSpan.FromSeconds(30);

    private static readonly object s_lock = new();
    private static int s_running;
    private static bool s_exiting;

    static ProcessExitGate() => AppDomain.CurrentDomain.ProcessExit += (_, _) => OnExit();

    /// <summary>Marks one step of native work; dispose it when the step's tensors are freed.</summary>
    public static Step Enter()
    {
        lock (s_lock)
        {
            while (s_exiting) Monitor.Wait(s_lock);   // never woken: the process is ending
            s_running++;
            return new Step();
        }
    }

    private static void OnExit()
    {
        lock (s_lock)
        {
            s_exiting = true;
            var deadline = DateTime.UtcNow + ExitWait;
            while (s_running > 0 && DateTime.UtcNow < deadline) Monitor.Wait(s_lock, TimeSpan.FromMilliseconds(50));
        }
    }

    internal readonly struct Step : IDisposable
    {
        public void Dispose()
        {
            lock (s_lock)
            {
                s_running--;
                Monitor.PulseAll(s_lock);
            }
        }
    }
}
