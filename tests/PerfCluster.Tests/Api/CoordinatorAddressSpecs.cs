using PerfCluster.Cli;

namespace PerfCluster.Tests.Api;

/// <summary>What <c>--coordinator</c> accepts: one URL or several, comma-separated, each checked.</summary>
public class CoordinatorAddressSpecs
{
    [Fact]
    public void Should_read_several_coordinators_in_order_and_complete_each()
    {
        var coordinators = RemoteCoordinator.ResolveCoordinators("http://c0:7070, c1:7070 ,https://c2/api");

        Assert.Equal(["http://c0:7070/", "http://c1:7070/", "https://c2/api/"], coordinators.Select(c => c.ToString()));
        Assert.Equal(new Uri("http://c0:7070/"), RemoteCoordinator.ResolveCoordinator("http://c0:7070,http://c1:7070"));
    }

    [Fact]
    public void Should_name_one_coordinator_once()
    {
        Assert.Single(RemoteCoordinator.ResolveCoordinators("http://c0:7070,http://c0:7070/"));
    }

    [Theory]
    [InlineData("http://c0:7070,")]
    [InlineData("http://c0:7070,ftp://c1")]
    [InlineData(",")]
    public void Should_refuse_a_list_with_anything_but_urls(string option)
    {
        var error = Assert.Throws<UsageException>(() => RemoteCoordinator.ResolveCoordinators(option));

        Assert.Contains($"several separated by commas (got '{option}')", error.Message);
    }
}
