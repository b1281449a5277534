using FreshServe.Tests.Infrastructure;
using FreshServe.Watching;

namespace FreshServe.Tests.Watching;

public sealed class PathFilterTests
{
    [Theory]
    [InlineData("dist/bundle.js", false)]
    [InlineData("web/dist/bundle.js", false)]
    [InlineData("src/app.py", true)]
    [InlineData("src/app_test.py", false)]
    [InlineData("src/deep/app_test.py", false)]
    [InlineData("README.md", true)]
    public void Exclude_globs_take_out_files_and_whole_folders(string relative, bool matters)
    {
        using var folder = new TempFolder();
        var filter = new PathFilter([folder.Path], new WatchOptions { Exclude = ["dist", "*_test.py"] });
        Assert.Equal(matters, filter.Matters(Path.Combine(folder.Path, relative), isDirectory: false));
    }

    [Theory]
    [InlineData("app.py", true)]
    [InlineData("pkg/mod.py", true)]
    [InlineData("templates/a/b.html", true)]
    [InlineData("static/b.html", false)]
    [InlineData("notes.md", false)]
    public void Only_globs_select_files_by_name_anywhere_or_by_path(string relative, bool matters)
    {
        using var folder = new TempFolder();
        var filter = new PathFilter([folder.Path], new WatchOptions { Only = ["*.py", "templates/**/*.html"] });
        Assert.Equal(matters, filter.Matters(Path.Combine(folder.Path, relative), isDirectory: false));
    }

    [Theory]
    [InlineData("dist", false)]
    [InlineData("web/dist", false)]
    [InlineData("tests", false)]
    [InlineData("tests/unit", false)]
    [InlineData("web/tests", true)]
    [InlineData("build", false)]
    [InlineData("src", true)]
    public void Exclude_globs_leave_out_the_folders_themselves(string relative, bool matters)
    {
        using var folder = new TempFolder();
        var filter = new PathFilter([folder.Path], new WatchOptions { Exclude = ["dist", "tests/**", "build/"] });
        Assert.Equal(matters, filter.Matters(Path.Combine(folder.Path, relative), isDirectory: true));
    }

    [Theory]
    [InlineData(".app.py.swp", false)]
    [InlineData("app.py~", false)]
    [InlineData("stale.pyc", false)]
    [InlineData("views_test.py", false)]
    [InlineData("node_modules", false)]
    [InlineData("app.py", true)]
    [InlineData("pkg", true)]
    public void A_gone_path_named_like_an_ignored_file_is_taken_for_that_file(string relative, bool matters)
    {
        using var folder = new TempFolder();
        var filter = new PathFilter([folder.Path], new WatchOptions { Exclude = ["*_test.py"] });
        Assert.Equal(matters, filter.MattersGone(Path.Combine(folder.Path, relative)));
    }

    [Theory]
    [InlineData("static/index.html", true)]
    [InlineData("templates/page.html", true)]
    [InlineData("config.yaml", true)]
    [InlineData(".next/dev/server/app/page.js", false)]
    [InlineData("web/.nuxt/app.js", false)]
    [InlineData(".svelte-kit/output/x.js", false)]
    [InlineData("target/debug/app", false)]
    [InlineData("coverage/lcov.info", false)]
    [InlineData("server.log", false)]
    [InlineData("db.sqlite3", false)]
    [InlineData("app.db-journal", false)]
    [InlineData("data/app.db-wal", false)]
    [InlineData("server.pid", false)]
    [InlineData("tsconfig.tsbuildinfo", false)]
    public void By_default_every_file_matters_but_what_servers_and_frameworks_write(string relative, bool matters)
    {
        using var folder = new TempFolder();
        var filter = new PathFilter([folder.Path], new WatchOptions());
        Assert.Equal(matters, filter.Matters(Path.Combine(folder.Path, relative), isDirectory: false));
    }

    [Theory]
    [InlineData("vite.config.ts", true)]
    [InlineData("src/main.ts", false)]
    [InlineData("config/site.yaml", true)]
    [InlineData("server.log", true)]
    [InlineData("dist/app.js", true)]
    [InlineData("config/old.yaml", false)]
    public void Include_globs_add_to_only_and_to_the_ignores_but_exclude_wins(string relative, bool matters)
    {
        using var folder = new TempFolder();
        var filter = new PathFilter([folder.Path], new WatchOptions
        {
            Only = ["vite.config.*"],
            Include = ["config/*.yaml", "*.log", "dist/**"],
            Exclude = ["config/old.yaml"],
        });
        Assert.Equal(matters, filter.Matters(Path.Combine(folder.Path, relative), isDirectory: false));
    }

    [Fact]
    public void An_ignored_folder_is_entered_only_when_an_include_glob_names_something_inside_it()
    {
        using var folder = new TempFolder();
        var filter = new PathFilter([folder.Path], new WatchOptions { Include = ["target/site/**", "*.log"] });
        Assert.False(filter.SkipsFolder(Path.Combine(folder.Path, "target")));
        Assert.False(filter.SkipsFolder(Path.Combine(folder.Path, "target", "site")));
        Assert.True(filter.SkipsFolder(Path.Combine(folder.Path, "node_modules")));
        Assert.True(new PathFilter([folder.Path], new WatchOptions()).SkipsFolder(Path.Combine(folder.Path, "target")));
    }
}
