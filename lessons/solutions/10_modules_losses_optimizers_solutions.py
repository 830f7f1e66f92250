"""Solutions for lesson 10 (modules, losses and optimizers)."""

import math

import minigrad as torch
import minigrad.nn.functional as F
from minigrad import nn

# 10.count_parameters -----------------------------------------------------------------------------------------
# Linear(10, 5): 10 * 5 weights + 5 biases = 55.  Linear(5, 1): 5 + 1 = 6.  ReLU has none.  Total 61.
model = nn.Sequential(nn.Linear(10, 5), nn.ReLU(), nn.Linear(5, 1))
count_parameters = sum(p.numel() for p in model.parameters())  # 61

# 10.cross_entropy_by_hand ------------------------------------------------------------------------------------
# -log(e^3 / (e^1 + e^2 + e^3)) = log(1 + e^-1 + e^-2) ~ 0.4076
cross_entropy_by_hand = math.log(1 + math.exp(-1) + math.exp(-2))
assert abs(F.cross_entropy(torch.tensor([[1.0, 2.0, 3.0]]), torch.tensor([2])).item()
           - cross_entropy_by_hand) < 1e-5


# 10.my_linear ------------------------------------------------------------------------------------------------
class MyLinear(nn.Module):
    def __init__(self, in_features, out_features):
        super().__init__()
        bound = 1 / math.sqrt(in_features)   # the same scale nn.Linear uses
        self.weight = nn.Parameter((torch.rand(out_features, in_features) * 2 - 1) * bound)
        self.bias = nn.Parameter((torch.rand(out_features) * 2 - 1) * bound)

    def forward(self, x):
        return x @ self.weight.T + self.bias


# 10.loss_choice ----------------------------------------------------------------------------------------------
# A price is a real number (regression); spam is one yes/no from one logit (binary); a digit is exactly one of ten
# classes (multi-class, softmax); the animals are twenty independent yes/no questions (multi-label, a sigmoid each:
# NOT CrossEntropyLoss, whose softmax would make the animals compete for one total probability).
loss_choice = {"house_price": nn.MSELoss, "spam": nn.BCEWithLogitsLoss, "digit": nn.CrossEntropyLoss,
               "animals_in_photo": nn.BCEWithLogitsLoss}


SOLUTIONS = {
    "10.count_parameters": count_parameters,
    "10.cross_entropy_by_hand": cross_entropy_by_hand,
    "10.my_linear": MyLinear,
    "10.loss_choice": loss_choice,
}

if __name__ == "__main__":
    from minigrad.exercises import check, check_function

    check("10.count_parameters", count_parameters)
    check("10.cross_entropy_by_hand", cross_entropy_by_hand)
    check_function("10.my_linear", MyLinear)
    check("10.loss_choice", loss_choice)
