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
    public void Include_globs_select_files_by_name_anywhere_or_by_path(string relative, bool matters)
    {
        using var folder = new TempFolder();
        var filter = new PathFilter([folder.Path], new WatchOptions { Include = ["*.py", "templates/**/*.html"] });
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
}
