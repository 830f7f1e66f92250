"""Solutions for lesson 11 (the same code on a GPU)."""

import minigrad as torch


# 11.to_numpy -------------------------------------------------------------------------------------------------
def to_numpy(tensor):
    """Values of any tensor as a NumPy array: leave the graph, come back to the CPU, convert."""
    return tensor.detach().cpu().numpy()


# 11.device_type ----------------------------------------------------------------------------------------------
# Without a GPU, torch.cuda.is_available() is False, the idiom picks 'cpu', and tensors live there.
device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')
device_type = "cpu"


SOLUTIONS = {
    "11.to_numpy": to_numpy,
    "11.device_type": device_type,
}

if __name__ == "__main__":
    from minigrad.exercises import check, check_function

    check_function("11.to_numpy", to_numpy)
    check("11.device_type", device_type)
