namespace FreshServe.Supervision;

/// <summary>
/// Told by the restart loop what each generation of the worker is doing (proxy mode listens). Calls come from the
/// loop's own flow, in order, and must return quickly.
/// </summary>
public interface IGenerationObserver
{
    /// <summary>A change was seen: generation <paramref name="generation"/> is about to be stopped.</summary>
    void Restarting(int generation);

    /// <summary>Generation <paramref name="generation"/> accepts connections on <paramref name="port"/>.</summary>
    void Ready(int generation, int port);

    /// <summary>Generation <paramref name="generation"/> exited by itself (it was not stopped by freshserve).</summary>
    void Exited(int generation, int exitCode);

    /// <summary>
    /// A burst was taken without a restart (the server's own writes, or files that came and went): generation
    /// <paramref name="generation"/> keeps running, and no ready follows for that burst.
    /// </summary>
    void KeptRunning(int generation)
    {
    }
}
