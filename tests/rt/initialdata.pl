# initialdata.pl - what the RT of the RT suite holds besides RT's own core
# data (RT's initialdata format, loaded by `rt-setup-database --action
# insert`): one queue per ticket type, the "Keten reference" custom field
# applied to them, Keten's integration user and an RT agent who acts as a
# supplier's engineer would, their rights, and an auth token for Keten
# written to $ENV{KETEN_RT_TOKEN_FILE}.
our @Queues = map {
	{ Name => "keten-$_", Description => "Keten ${_}s" }
} qw(incident request change problem);

our @CustomFields = ({
	Name        => 'Keten reference',
	Description => "The leg id Keten gave the ticket",
	Type        => 'FreeformSingle',
	LookupType  => 'RT::Queue-RT::Ticket',
	ApplyTo     => [ map { "keten-$_" } qw(incident request change problem) ],
});

our @Users = map {
	{ Name => $_->[0], Password => $ENV{KETEN_RT_PASSWORD}, EmailAddress => "$_->[0]\@rt.test",
	  RealName => $_->[1], Privileged => 1, Timezone => 'UTC' }
} (['keten', 'Keten broker'], ['agent', 'RT agent']);

my @rights = qw(SeeQueue CreateTicket ShowTicket ModifyTicket CommentOnTicket ReplyToTicket
	ShowTicketComments OwnTicket SeeCustomField ModifyCustomField ManageAuthTokens);
our @ACL = map { my $u = $_; map { { UserId => $u, Right => $_ } } @rights } qw(keten agent);

our @Final = (sub {
	my $user = RT::User->new(RT->SystemUser);
	$user->Load('keten');
	my $token = RT::AuthToken->new(RT::CurrentUser->new($user));
	my ($id, $msg, $auth) = $token->Create(Owner => $user->id, Description => 'Keten');
	die "auth token: $msg\n" unless $id;
	open(my $fh, '>', $ENV{KETEN_RT_TOKEN_FILE}) or die "$ENV{KETEN_RT_TOKEN_FILE}: $!\n";
	print $fh "$auth\n";
	close($fh) or die "$ENV{KETEN_RT_TOKEN_FILE}: $!\n";
});
1;
