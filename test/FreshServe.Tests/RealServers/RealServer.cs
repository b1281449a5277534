namespace FreshServe.Tests.RealServers;

/// <summary>
/// One real dev server as a new user runs it: the files of a small app, the command as written (no freshserve
/// option), the file an edit goes to, and whether freshserve restarts on that edit or the server serves it itself.
/// <c>@PORT@</c> in a file or argument is a port from the OS; <c>@VERSION@</c> in a file is what the page shows.
/// </summary>
public sealed record RealServer(string Name, IReadOnlyDictionary<string, string> Files, IReadOnlyList<string> Command, string EditedFile)
{
    /// <summary>False where the server reloads the edited file itself (vite, next) and freshserve must not restart.</summary>
    public bool EditRestarts { get; init; } = true;

    /// <summary>Whether the app lives beside the npm packages the matrix installs (express, vite, next).</summary>
    public bool NeedsNodeModules { get; init; }

    /// <summary>First start (a cold go build or dotnet build) and each restart may take this long.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    public override string ToString() => Name;
}
