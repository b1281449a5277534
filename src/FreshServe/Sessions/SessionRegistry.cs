using System.Text.Json;
using FreshServe.Common;

namespace FreshServe.Sessions;

/// <summary>
/// The per-user folder of live session records, one JSON file per session. Readers and writers that must agree
/// (the single-instance check and the write that follows it) hold <see cref="Lock"/>.
/// </summary>
public sealed class SessionRegistry
{
    public SessionRegistry(string folder)
    {
        Folder = folder;
    }

    public string Folder { get; }

    /// <summary>$XDG_RUNTIME_DIR/freshserve, else a per-user temp folder; %LOCALAPPDATA%\FreshServe\sessions on Windows.</summary>
    public static SessionRegistry ForCurrentUser()
    {
        if (OperatingSystem.IsWindows())
        {
            return new(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "FreshServe", "sessions"));
        }

        var runtime = Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR");
        if (!string.IsNullOrEmpty(runtime) && Path.IsPathRooted(runtime) && Directory.Exists(runtime))
        {
            return new(Path.Combine(runtime, "freshserve"));
        }

        // macOS's temp folder is already per user; on Linux it is the shared /tmp, hence the uid in the name.
        var temp = OperatingSystem.IsLinux() ? "/tmp" : Path.GetTempPath();
        return new(Path.Combine(temp, $"freshserve-{Interop.Libc.getuid()}"));
    }

    /// <summary>Holds the registry's lock file exclusively until disposed; waits up to 10 s for another holder.</summary>
    public IDisposable Lock()
    {
        PrivateFolder.Ensure(Folder);
        var path = Path.Combine(Folder, ".lock");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
            }
            catch (IOException)
            {
                throw new FreshServeException($"the session registry {Folder} stayed locked by another freshserve for 10 s");
            }
        }
    }

    public IReadOnlyList<SessionRecord> ReadAll()
    {
        if (!Directory.Exists(Folder))
        {
            return [];
        }

        PrivateFolder.Ensure(Folder);
        var records = new List<SessionRecord>();
        foreach (var file in Directory.EnumerateFiles(Folder, "*.json"))
        {
            try
            {
                if (JsonSerializer.Deserialize(File.ReadAllText(file), SessionJson.Default.SessionRecord) is { } record
                    && Path.GetFileNameWithoutExtension(file) == record.Id)
                {
                    records.Add(record);
                }
            }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
            {
                // Half-written by a writer that died, or removed meanwhile: not a session.
            }
        }

        return records;
    }

    public void Write(SessionRecord record)
    {
        PrivateFolder.Ensure(Folder);
        var target = PathOf(record);
        var temporary = target + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            JsonSerializer.Serialize(stream, record, SessionJson.Default.SessionRecord);
        }

        // A rename is atomic: readers see the old record or the new one, never half of one.
        File.Move(temporary, target, overwrite: true);
    }

    public void Remove(SessionRecord record)
    {
        try
        {
            File.Delete(PathOf(record));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private string PathOf(SessionRecord record) => Path.Combine(Folder, record.Id + ".json");
}
