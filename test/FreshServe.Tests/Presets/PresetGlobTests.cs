using FreshServe.Presets;
using FreshServe.Tests.Infrastructure;
using FreshServe.Watching;

namespace FreshServe.Tests.Presets;

/// <summary>A preset's include globs, applied the way the watcher applies them (PathFilter, FileSystemGlobbing).</summary>
public sealed class PresetGlobTests
{
    public static TheoryData<string, string, bool> Cases => new()
    {
        { "uvicorn", "web_app.py", true },
        { "uvicorn", "pkg/sub/models.py", true },
        { "uvicorn", "templates/index.html", true },
        { "uvicorn", "app/templates/base/page.html", true },
        { "uvicorn", ".env", true },
        { "uvicorn", "notes.txt", false },
        { "uvicorn", "static/site.css", false },
        { "uvicorn", "web_app.pyc", false },
        { "flask", "app.py", true },
        { "node", "server.js", true },
        { "node", "src/routes/api.ts", true },
        { "node", "package.json", true },
        { "node", "README.md", false },
        { "vite", "vite.config.ts", true },
        { "vite", "package.json", true },
        { "vite", ".env.local", true },
        { "vite", "src/main.ts", false },
        { "dotnet-run", "Program.cs", true },
        { "dotnet-run", "Pages/Index.cshtml", true },
        { "dotnet-run", "appsettings.Development.json", true },
        { "dotnet-run", "wwwroot/site.css", false },
        { "go-run", "main.go", true },
        { "go-run", "go.mod", true },
        { "go-run", "internal/web/handler.go", true },
        { "go-run", "notes.txt", false },
        { "rails", "config/routes.rb", true },
        { "rails", "lib/tasks/thing.rb", true },
        { "rails", "Gemfile", true },
        { "rails", "app/models/user.rb", false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Preset_globs_match_files_relative_to_the_watch_root(string preset, string relative, bool matters)
    {
        using var folder = new TempFolder();
        var filter = new PathFilter([folder.Path], new WatchOptions { Include = PresetCatalog.Named(preset)!.Includes });
        Assert.Equal(matters, filter.Matters(Path.Combine(folder.Path, relative), isDirectory: false));
    }
}
