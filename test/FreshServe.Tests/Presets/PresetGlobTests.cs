using FreshServe.Presets;
using FreshServe.Tests.Infrastructure;
using FreshServe.Watching;

namespace FreshServe.Tests.Presets;

/// <summary>
/// What a preset restarts on, applied the way the watcher applies it (PathFilter with the default ignores): every file
/// that is not ignored, except for servers that reload their own sources.
/// </summary>
public sealed class PresetGlobTests
{
    public static TheoryData<string, string, bool> Cases => new()
    {
        { "uvicorn", "web_app.py", true },
        { "uvicorn", "pkg/sub/models.py", true },
        { "uvicorn", "templates/index.html", true },
        { "uvicorn", ".env", true },
        { "uvicorn", "config.yaml", true },
        { "uvicorn", "static/site.css", true },
        { "uvicorn", "web_app.pyc", false },
        { "django", "db.sqlite3", false },
        { "node", "server.js", true },
        { "node", "index.html", true },
        { "node", "server.log", false },
        { "node", ".next/server/app.js", false },
        { "vite", "vite.config.ts", true },
        { "vite", "package.json", true },
        { "vite", ".env.local", true },
        { "vite", "src/main.ts", false },
        { "next", "next.config.mjs", true },
        { "next", "package.json", true },
        { "next", ".env.development", true },
        { "next", "app/page.tsx", false },
        { "next", ".next/dev/package.json", false },
        { "dotnet-run", "Program.cs", true },
        { "dotnet-run", "wwwroot/site.css", true },
        { "dotnet-run", "obj/Debug/x.cs", false },
        { "go-run", "main.go", true },
        { "go-run", "static/index.html", true },
        { "rails", "config/routes.rb", true },
        { "rails", "Gemfile", true },
        { "rails", "app/models/user.rb", false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Preset_watched_files_relative_to_the_watch_root(string preset, string relative, bool matters)
    {
        using var folder = new TempFolder();
        var filter = new PathFilter([folder.Path], new WatchOptions { Only = PresetCatalog.Named(preset)!.WatchOnly });
        Assert.Equal(matters, filter.Matters(Path.Combine(folder.Path, relative), isDirectory: false));
    }
}
