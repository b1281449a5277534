using FreshServe.Proxy;

namespace FreshServe.Tests.Proxy;

/// <summary>The proxy's routing rule under overlapping generations: the old one is never routed to after the change.</summary>
public class GenerationGateTests
{
    [Fact]
    public async Task A_restarting_generation_that_answers_its_readiness_check_late_is_never_routed_to()
    {
        var gate = new GenerationGate();
        gate.Ready(1, 5001);
        gate.Restarting(1);
        gate.Ready(1, 5001); // generation 1's check answered after the change was seen

        var waiting = gate.WaitForUpstreamAsync(0, CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        gate.Ready(2, 5002);
        Assert.Equal(new Upstream(2, 5002), await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task An_older_generation_never_takes_over_from_a_newer_one()
    {
        var gate = new GenerationGate();
        gate.Restarting(1);
        gate.Ready(2, 5002);
        gate.Ready(1, 5001);
        Assert.Equal(new Upstream(2, 5002), await gate.WaitForUpstreamAsync(0, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void An_exited_generation_is_not_routed_to()
    {
        var gate = new GenerationGate();
        gate.Exited(1, 1);
        gate.Ready(1, 5001);
        Assert.Equal(WorkerPhase.Exited, gate.Snapshot().State.Phase);
    }

    [Fact]
    public void A_generation_is_retired_once_its_restart_begins_and_not_when_it_exits_by_itself()
    {
        var gate = new GenerationGate();
        gate.Ready(1, 5001);
        Assert.False(gate.IsRetired(1));
        gate.Restarting(1);
        Assert.True(gate.IsRetired(1));
        gate.Ready(2, 5002);
        Assert.True(gate.IsRetired(1));
        Assert.False(gate.IsRetired(2));
        gate.Exited(2, 1); // a crash is the server's own doing, not a restart's
        Assert.False(gate.IsRetired(2));
    }
}
