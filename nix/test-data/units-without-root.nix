# A model without `root` (tests.nix: fromFile sets it to this file's directory).
{
  version = 4;
  units = { };
}
